// Talking to the server: the saved chats (/api/chats) and streamed answers (/v1/chat/completions over SSE).

const KEY_STORAGE = 'caravel.apiKey';

/** An error the server answered with (its OpenAI error object), or a network failure. */
export class ApiError extends Error {
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function apiKey() {
  return localStorage.getItem(KEY_STORAGE) || '';
}

export function setApiKey(key) {
  if (key) localStorage.setItem(KEY_STORAGE, key);
  else localStorage.removeItem(KEY_STORAGE);
}

function headers(json) {
  const h = {};
  if (json) h['Content-Type'] = 'application/json';
  const key = apiKey();
  if (key) h.Authorization = `Bearer ${key}`;
  return h;
}

async function errorOf(res) {
  let message = `${res.status} ${res.statusText}`;
  let code = null;
  try {
    const body = await res.json();
    if (body && body.error) {
      message = body.error.message || message;
      code = body.error.code || null;
    }
  } catch { /* not JSON: keep the status line */ }
  return new ApiError(res.status, message, code);
}

async function call(method, path, body) {
  let res;
  try {
    res = await fetch(path, {
      method,
      headers: headers(body !== undefined),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, `cannot reach the server (${e.message})`, 'network');
  }
  if (!res.ok) throw await errorOf(res);
  return res.json();
}

export const models = () => call('GET', '/v1/models').then((r) => r.data.map((m) => m.id));
export const listChats = () => call('GET', '/api/chats').then((r) => r.data);
export const getChat = (id) => call('GET', `/api/chats/${encodeURIComponent(id)}`);
export const createChat = (fields) => call('POST', '/api/chats', fields);
export const updateChat = (id, fields) => call('PATCH', `/api/chats/${encodeURIComponent(id)}`, fields);
export const deleteChat = (id) => call('DELETE', `/api/chats/${encodeURIComponent(id)}`);
export const appendMessages = (id, messages) =>
  call('POST', `/api/chats/${encodeURIComponent(id)}/messages`, { messages });
export const replaceMessages = (id, messages) =>
  call('PUT', `/api/chats/${encodeURIComponent(id)}/messages`, { messages });

/**
 * Streams a chat completion. onDelta(text) gets each piece of the answer as it arrives; the promise resolves to
 * {usage, finishReason} when the stream ends. Aborting `signal` drops the connection, which makes the server
 * cancel the generation; the promise then rejects with an AbortError.
 */
export async function streamChat(request, signal, onDelta) {
  let res;
  try {
    res = await fetch('/v1/chat/completions', {
      method: 'POST',
      headers: headers(true),
      body: JSON.stringify({ ...request, stream: true, stream_options: { include_usage: true } }),
      signal,
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, `cannot reach the server (${e.message})`, 'network');
  }
  if (!res.ok) throw await errorOf(res);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let usage = null;
  let finishReason = null;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    // SSE: events end with a blank line; an event may arrive split over several reads.
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      for (const line of event.split('\n')) {
        if (!line.startsWith('data:')) continue;
        const data = line.slice(5).trim();
        if (data === '[DONE]') return { usage, finishReason };
        const chunk = JSON.parse(data);
        if (chunk.error) throw new ApiError(500, chunk.error.message, chunk.error.code);
        if (chunk.usage) usage = chunk.usage;
        const choice = chunk.choices && chunk.choices[0];
        if (choice) {
          if (choice.delta && choice.delta.content) onDelta(choice.delta.content);
          if (choice.finish_reason) finishReason = choice.finish_reason;
        }
      }
    }
  }
  return { usage, finishReason };
}
