// firestore.rules on the official Firestore emulator's rules engine: clients get nothing.
// Run by tools/official-emulator.sh (which starts the emulator and sets
// FIRESTORE_EMULATOR_HOST); in Cloud Build, step official-emulator.
import { after, before, describe, test } from "node:test";
import { readFileSync } from "node:fs";
import {
  assertFails,
  assertSucceeds,
  initializeTestEnvironment,
} from "@firebase/rules-unit-testing";
import {
  collection,
  deleteDoc,
  doc,
  getDoc,
  getDocs,
  setDoc,
  updateDoc,
} from "firebase/firestore";

const root = new URL("../../", import.meta.url);
// Every collection of ours, from shared/adapters/store.py (ALL_COLLECTIONS names the constants).
const store = readFileSync(new URL("shared/adapters/store.py", root), "utf8");
const constants = Object.fromEntries(
  [...store.matchAll(/^([A-Z_]+) = "([a-z_]+)"$/gm)].map((m) => [m[1], m[2]]),
);
const listed = store.match(/ALL_COLLECTIONS[^=]*= \(([^)]*)\)/s)[1];
const COLLECTIONS = [...listed.matchAll(/[A-Z_]+/g)].map((m) => constants[m[0]]);

const PEOPLE = {
  anonymous: null,
  caller: { uid: "caller-1", token: { roles: ["caller"] } },
  staff: { uid: "staff-1", token: { roles: ["staff", "caller"] } },
};

let env;

before(async () => {
  if (!process.env.FIRESTORE_EMULATOR_HOST) {
    throw new Error("FIRESTORE_EMULATOR_HOST is not set: run tools/official-emulator.sh");
  }
  env = await initializeTestEnvironment({
    projectId: process.env.GCLOUD_PROJECT ?? "demo-callqueue",
    firestore: { rules: readFileSync(new URL("firestore.rules", root), "utf8") },
  });
  await env.withSecurityRulesDisabled(async (admin) => {
    for (const name of COLLECTIONS) {
      await setDoc(doc(admin.firestore(), name, "seed"), { seeded: true });
    }
  });
});

after(async () => {
  await env?.cleanup();
});

test("the collection list was read from shared/adapters/store.py", () => {
  if (COLLECTIONS.length < 10 || COLLECTIONS.includes(undefined)) {
    throw new Error(`could not read ALL_COLLECTIONS: ${COLLECTIONS}`);
  }
});

for (const [who, auth] of Object.entries(PEOPLE)) {
  describe(`${who} on every collection`, () => {
    for (const name of COLLECTIONS) {
      test(`${name}: get, list, create, update, delete are refused`, async () => {
        const db = auth
          ? env.authenticatedContext(auth.uid, auth.token).firestore()
          : env.unauthenticatedContext().firestore();
        await assertFails(getDoc(doc(db, name, "seed")));
        await assertFails(getDocs(collection(db, name)));
        await assertFails(setDoc(doc(db, name, "new"), { by: who }));
        await assertFails(updateDoc(doc(db, name, "seed"), { by: who }));
        await assertFails(deleteDoc(doc(db, name, "seed")));
      });
    }
  });
}

test("the Admin SDK's path (rules disabled) can still read", async () => {
  await env.withSecurityRulesDisabled(async (admin) => {
    await assertSucceeds(getDoc(doc(admin.firestore(), COLLECTIONS[0], "seed")));
  });
});
