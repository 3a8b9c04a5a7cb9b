// Opens masto.js's streaming client (as Elk and Phanpy do) on one WebSocket with several
// subscriptions, and prints one JSON line per event it yields, then one when a
// subscription ends. Used by tests/api/test_masto_js.py.
//
//   node masto_streams.mjs <streaming url> <access token> <tag>
import { createStreamingAPIClient } from "masto";

const [streamingApiUrl, accessToken, tag] = process.argv.slice(2);
const masto = createStreamingAPIClient({ streamingApiUrl, accessToken, retry: false });

const subscriptions = {
  user: masto.user.subscribe(),
  hashtag: masto.hashtag.subscribe({ tag }),
  local: masto.public.local.subscribe(),
  nearby: masto.list.subscribe({ list: "nearby" }),
};

const say = (line) => process.stdout.write(JSON.stringify(line) + "\n");

await Promise.all(
  Object.entries(subscriptions).map(async ([name, subscription]) => {
    try {
      for await (const event of subscription) {
        const id = event.event === "delete" ? event.payload : event.payload?.id;
        say({ name, event: event.event, stream: event.stream, id });
      }
      say({ name, ended: true });
    } catch (error) {
      say({ name, ended: true, error: String(error) });
    }
  }),
);
