// Feeds recorded server frames through the public client (on a fake socket) and prints,
// per socket, the client's verdict on each frame and every frame the client sent.
// tests/js/test_node.py compares the verdicts with support/client.py (the Python
// reference client) over the recorded night, and validates the sent frames against
// docs/schemas/client.
//
// stdin: {"rules": {...}, "sockets": {"name": [frame, ...], ...}}
// stdout: {"name": {"verdicts": [...], "sent": [...]}, ...}

import { ScoresClient } from "../../static/js/livescores-client.js";
import { fakeSockets, quietLogger } from "./helpers.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const input = JSON.parse(Buffer.concat(chunks).toString("utf8"));

const result = {};
for (const [name, frames] of Object.entries(input.sockets)) {
  const net = fakeSockets();
  const client = new ScoresClient({
    rules: input.rules, url: "ws://replay/ws/scores/", followAll: true, WebSocket: net.FakeSocket,
    setTimeout: () => 0, clearTimeout: () => {}, logger: quietLogger(),
  });
  client.connect();
  net.last().open();
  const verdicts = frames.map((frame) => client.handle(frame));
  result[name] = { verdicts, sent: net.last().sent };
}
process.stdout.write(JSON.stringify(result));
