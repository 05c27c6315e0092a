// Local Firestore emulator (@firestore-emulator/server): a gRPC server the real
// google-cloud-firestore client talks to. See docs/local-stack.md for its gaps.
const { setAutoFreeze } = require("immer");
const { FirestoreServer } = require("@firestore-emulator/server");

// The emulator keeps its state in immer drafts; immer deep-freezes every new state by
// default, which makes each write cost time proportional to all data held. Nothing here
// mutates state outside immer, so freezing buys nothing (measured in docs/local-stack.md).
setAutoFreeze(false);

const port = Number(process.argv[2] || process.env.PORT || 8080);
const host = process.env.HOST || "127.0.0.1";
const server = new FirestoreServer();
Promise.resolve(server.start(port, host)).then(
  () => console.log(`firestore emulator listening on ${host}:${port}`),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(0));
