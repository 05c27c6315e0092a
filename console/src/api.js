// The one way the console talks to the functions: bearer token in, JSON out, and every
// refusal turned into an ApiError that carries the server's sentence for the person.

export class ApiError extends Error {
  constructor(status, code, description) {
    super(description);
    this.status = status;
    this.code = code;
  }
}

// A 429 names in Retry-After when to come back; a bulk loop waits that long (up to this)
// rather than stopping half-way.
const MAX_RETRY_WAIT_SECONDS = 30;
const MAX_RETRIES = 3;

export function retryDelaySeconds(status, retryAfter, attempt) {
  if (status !== 429 || attempt >= MAX_RETRIES) return null;
  const seconds = Number.parseInt(retryAfter ?? "", 10);
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > MAX_RETRY_WAIT_SECONDS) return null;
  return Math.max(seconds, 1);
}

export function createApi(
  baseUrl,
  getToken,
  sleep = (ms) => new Promise((r) => setTimeout(r, ms)),
) {
  async function call(name, options = {}, attempt = 0) {
    const { method = "GET", params, body } = options;
    const url = new URL(`${baseUrl.replace(/\/$/, "")}/${name}`);
    for (const [key, value] of Object.entries(params ?? {})) {
      if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, value);
    }
    const headers = { Authorization: `Bearer ${await getToken()}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new ApiError(
        0,
        "unreachable",
        `Could not reach the server for ${name}: ${error.message}`,
      );
    }
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      // A proxy's HTML error page, say: the status line is all we can show.
    }
    const wait = retryDelaySeconds(response.status, response.headers.get("Retry-After"), attempt);
    if (wait !== null) {
      await sleep(wait * 1000);
      return call(name, options, attempt + 1);
    }
    if (!response.ok) {
      throw new ApiError(
        response.status,
        data?.error ?? `http_${response.status}`,
        data?.error_description ?? `The server answered ${response.status} to ${name}.`,
      );
    }
    return data;
  }

  return {
    get: (name, params) => call(name, { params }),
    post: (name, body) => call(name, { method: "POST", body }),
  };
}
