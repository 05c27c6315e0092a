// The banner under the header: every server refusal ends up here in the server's own words.

const box = () => document.getElementById("notice");

export function showError(error) {
  show(error?.message || String(error), "error");
  console.error(error);
}

export function showInfo(text) {
  show(text, "info");
}

export function clearNotice() {
  box().hidden = true;
}

function show(text, kind) {
  document.getElementById("notice-text").textContent = text;
  box().className = `notice ${kind}`;
  box().hidden = false;
}

document.getElementById("notice-close")?.addEventListener("click", clearNotice);

// Runs an action from a button, showing any failure instead of losing it in the console;
// the button stays disabled while the action runs so a double click cannot send it twice.
export async function guarded(button, action) {
  if (button) button.disabled = true;
  try {
    return await action();
  } catch (error) {
    showError(error);
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}
