// The REST calls of Elk's and Phanpy's buttons, through masto.js: edit a status and read
// its history and source, bookmark it, list who liked and boosted it, follow a hashtag,
// save a profile's bio and fields. Prints one JSON object with what came back. Used by
// tests/api/test_masto_js.py.
//
//   node masto_rest_apps.mjs <base url> <access token>
import { createRestAPIClient } from "masto";

const [url, accessToken] = process.argv.slice(2);
const masto = createRestAPIClient({ url, accessToken });

const posted = await masto.v1.statuses.create({ status: "Premier jet #jardin" });
const status = masto.v1.statuses.$select(posted.id);
const edited = await status.update({ status: "Second jet #jardin" });
const history = await status.history.list();
const source = await status.source.fetch();
const marked = await status.bookmark();
const bookmarks = await masto.v1.bookmarks.list();
await status.favourite();
await status.reblog();
const favouritedBy = await status.favouritedBy.list();
const rebloggedBy = await status.rebloggedBy.list();
const tag = await masto.v1.tags.$select("jardin").follow();
const followedTags = await masto.v1.followedTags.list();
const me = await masto.v1.accounts.updateCredentials({
  note: "Voisine des Lilas",
  fieldsAttributes: [{ name: "Site", value: "https://ana.example" }],
});

process.stdout.write(
  JSON.stringify({
    edited: edited.content,
    editedAt: edited.editedAt,
    history: history.map((version) => version.content),
    source: source.text,
    bookmarked: marked.bookmarked,
    bookmarks: bookmarks.map((found) => found.id),
    id: posted.id,
    favouritedBy: favouritedBy.map((account) => account.acct),
    rebloggedBy: rebloggedBy.map((account) => account.acct),
    tag: [tag.name, tag.following, tag.history.length],
    followedTags: followedTags.map((found) => found.name),
    note: me.note,
    fields: me.fields.map((field) => field.name),
  }) + "\n",
);
