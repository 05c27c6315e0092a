// Runtime settings, read from config.json beside the page so one build serves any project:
//   functionsBaseUrl   where the functions answer (…/<functionName>)
//   firebase           {apiKey, authDomain, projectId}; on Firebase Hosting it may be left
//                      out, the site's own /__/firebase/init.json names its project
//   authEmulatorUrl    set only locally: sign in against the Auth emulator
//   googleSignIn       offer "Sign in with Google" (default: when not on the emulator)

async function fetchJson(url) {
  const response = await fetch(url, { cache: "no-store" });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return response.json();
}

export async function loadConfig() {
  let config;
  try {
    config = await fetchJson("config.json");
  } catch (error) {
    throw new Error(`The console has no configuration (config.json): ${error.message}`);
  }
  if (!config.functionsBaseUrl) throw new Error("config.json names no functionsBaseUrl.");
  const firebase = config.firebase ?? (await fetchJson("/__/firebase/init.json"));
  return {
    functionsBaseUrl: config.functionsBaseUrl,
    firebase: {
      apiKey: firebase.apiKey,
      authDomain: firebase.authDomain,
      projectId: firebase.projectId,
    },
    authEmulatorUrl: config.authEmulatorUrl ?? null,
    googleSignIn: config.googleSignIn ?? !config.authEmulatorUrl,
    overviewRefreshSeconds: config.overviewRefreshSeconds ?? 30,
  };
}
