// The page's calls to its server: JSON routes, and turns streamed as one JSON line per event.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function failure(response) {
  let code = "error";
  let message = `the server answered ${response.status}`;
  try {
    const body = await response.json();
    if (body && body.error) ({ code, message } = body.error);
  } catch {
    // not JSON: keep the status
  }
  return new ApiError(response.status, code, message);
}

// The embed page's token: sent with every call as a bearer token instead of the session
// cookie (a cookie in a partner's frame is a third-party cookie, which browsers drop).
let token = null;

export function useToken(value) {
  token = value;
}

function request(method, body) {
  const init = { method, headers: {}, credentials: token === null ? "same-origin" : "omit" };
  if (token !== null) init.headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  return init;
}

export async function call(method, path, body) {
  const init = request(method, body);
  const response = await fetch(path, init);
  if (!response.ok) throw await failure(response);
  return response.status === 204 ? null : response.json();
}

// Calls onEvent with each event as soon as its line has arrived.
export async function stream(path, body, onEvent) {
  const response = await fetch(path, request("POST", body));
  if (!response.ok) throw await failure(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let pending = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    pending += value;
    let end;
    while ((end = pending.indexOf("\n")) >= 0) {
      const text = pending.slice(0, end);
      pending = pending.slice(end + 1);
      if (text.trim()) onEvent(JSON.parse(text));
    }
  }
}
