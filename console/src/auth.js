// Firebase Authentication: e-mail and password (the Auth emulator locally), Google when
// configured. The server decides who is staff; the console only asks it (checkAuth).
import { initializeApp } from "firebase/app";
import {
  GoogleAuthProvider,
  connectAuthEmulator,
  getAuth,
  onAuthStateChanged,
  signInWithEmailAndPassword,
  signInWithPopup,
  signOut,
} from "firebase/auth";

export function startAuth(config) {
  const auth = getAuth(initializeApp(config.firebase));
  if (config.authEmulatorUrl) {
    // Our own header says "local"; the SDK's banner would cover the page's footer.
    connectAuthEmulator(auth, config.authEmulatorUrl, { disableWarnings: true });
  }
  return auth;
}

export const watchUser = (auth, callback) => onAuthStateChanged(auth, callback);
export const signInWithPassword = (auth, email, password) =>
  signInWithEmailAndPassword(auth, email, password);
export const signInWithGoogle = (auth) => signInWithPopup(auth, new GoogleAuthProvider());
export const signOutUser = (auth) => signOut(auth);

// Firebase's own error codes are not sentences; these are the ones a person can act on.
// Production answers invalid-credential (it does not say which part was wrong); the
// emulator still names the part.
const WRONG = "Wrong e-mail or password.";
const SIGN_IN_ERRORS = {
  "auth/invalid-credential": WRONG,
  "auth/user-not-found": WRONG,
  "auth/wrong-password": WRONG,
  "auth/invalid-email": "That is not an e-mail address.",
  "auth/user-disabled": "This account is disabled.",
  "auth/too-many-requests": "Too many attempts; wait a minute and try again.",
  "auth/popup-closed-by-user": "The Google sign-in window was closed before it finished.",
  "auth/network-request-failed": "Could not reach the sign-in service.",
};

export function signInMessage(error) {
  return SIGN_IN_ERRORS[error?.code] ?? error?.message ?? String(error);
}
