// Drives masto.js's REST client (as Elk and Phanpy do) through lists, filters (v2) and a
// Web Push subscription, and prints what it read back as one JSON object.
// Used by tests/api/test_masto_js.py.
//
//   node masto_rest.mjs <url> <access token> <followed account id> <push endpoint> <p256dh> <auth>
import { createRestAPIClient } from "masto";

const [url, accessToken, accountId, endpoint, p256dh, auth] = process.argv.slice(2);
const masto = createRestAPIClient({ url, accessToken });

const list = await masto.v1.lists.create({ title: "Jardin", repliesPolicy: "none", exclusive: true });
await masto.v1.lists.$select(list.id).accounts.create({ accountIds: [accountId] });
const members = await masto.v1.lists.$select(list.id).accounts.list();
const timeline = await masto.v1.timelines.list.$select(list.id).list();
const lists = await masto.v1.lists.list();
const filter = await masto.v2.filters.create({
  title: "Météo",
  context: ["home", "public"],
  filterAction: "warn",
  keywordsAttributes: [{ keyword: "pluie", wholeWord: true }],
});
const filters = await masto.v2.filters.list();
const subscription = await masto.v1.push.subscription.create({
  subscription: { endpoint, keys: { p256dh, auth } },
  data: { alerts: { mention: true, follow: true }, policy: "followed" },
});
const fetched = await masto.v1.push.subscription.fetch();

process.stdout.write(
  JSON.stringify({
    list,
    members: members.map((a) => a.acct),
    timeline: timeline.map((s) => ({ id: s.id, filtered: s.filtered })),
    lists: lists.map((l) => l.id),
    filter,
    filters: filters.map((f) => f.id),
    subscription,
    fetched,
  }) + "\n",
);
