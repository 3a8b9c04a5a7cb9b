// Reads a group purchase and a ride as a Mastodon app does with masto.js (Elk, Phanpy):
// the public timeline, then each status on its own, and prints what it saw — the content
// every app shows and the `fedlocal` object an app that knows fedlocal reads (masto.js
// hands over its keys camelCased, as it does Mastodon's own) — as one JSON object.
// Used by tests/api/test_masto_js.py.
//
//   node masto_kinds.mjs <url> <access token>
import { createRestAPIClient } from "masto";

const [url, accessToken] = process.argv.slice(2);
const masto = createRestAPIClient({ url, accessToken });

const timeline = await masto.v1.timelines.public.list({ local: true, limit: 20 });
const seen = {};
for (const status of timeline) {
  const kind = status.fedlocal?.kind;
  if (kind === "ride" || kind === "group_purchase") {
    const fetched = await masto.v1.statuses.$select(status.id).fetch();
    seen[kind] = { id: fetched.id, content: fetched.content, fedlocal: fetched.fedlocal };
  }
}
process.stdout.write(
  JSON.stringify({ kinds: timeline.map((s) => s.fedlocal?.kind ?? null), seen }) + "\n",
);
