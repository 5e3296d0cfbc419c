// The chat page: state, the conversation list, sending and streaming answers, saving them, dialogs.

import * as api from './api.js';
import { ApiError } from './api.js';
import { placeIcons } from './icons.js';
import { ChatView } from './chatview.js';
import { renderChatList } from './sidebar.js';
import { setupComposer } from './composer.js';

const $ = (id) => document.getElementById(id);
const SETTINGS = 'caravel.settings';

const state = {
  chats: [],
  current: null, // {id, title, model, system_prompt, messages} once saved; null for a new, unsaved chat
  draftSystem: '', // the system prompt chosen before the first message of a new chat
  history: true, // false when the server keeps no conversations (started without a store)
  streaming: null, // {controller} while an answer streams
};

let view;
let composer;

function settings() {
  try {
    return { maxTokens: 512, temperature: 0.7, model: '', ...JSON.parse(localStorage.getItem(SETTINGS) || '{}') };
  } catch {
    return { maxTokens: 512, temperature: 0.7, model: '' };
  }
}

function saveSettings(change) {
  localStorage.setItem(SETTINGS, JSON.stringify({ ...settings(), ...change }));
}

function status(text, isError) {
  const el = $('status');
  el.textContent = text || '';
  el.classList.toggle('error', !!isError);
}

/** Runs an API call; a 401 asks for the key once and tries again. */
async function withKey(fn) {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      const key = await askKey(e.message);
      if (key !== null) return fn();
    }
    throw e;
  }
}

/** Saving is best effort from the page's side: a failure is shown, and the conversation stays on screen. */
async function save(fn) {
  if (!state.history) return null;
  try {
    return await withKey(fn);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404 && e.code === 'unknown_url') {
      historyOff();
      return null;
    }
    status(`Not saved: ${e.message}`, true);
    return null;
  }
}

function historyOff() {
  state.history = false;
  $('history-note').textContent = 'History is off on this server.';
}

// ---- the conversation list ----

async function refreshList() {
  if (!state.history) return;
  try {
    state.chats = await withKey(api.listChats);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) historyOff();
    else status(e.message, true);
  }
  renderChatList($('chat-list'), state.chats, state.current && state.current.id, { open: openChat, rename, remove });
}

async function openChat(id) {
  if (state.streaming) stop();
  closeDrawer();
  try {
    const chat = await withKey(() => api.getChat(id));
    state.current = chat;
    location.hash = `#/c/${chat.id}`;
    $('chat-title').textContent = chat.title;
    if (chat.model) selectModel(chat.model);
    view.show(chat.messages);
    status('');
  } catch (e) {
    status(e.status === 404 ? 'That conversation no longer exists.' : e.message, true);
    newChat();
  }
  renderChatList($('chat-list'), state.chats, state.current && state.current.id, { open: openChat, rename, remove });
}

function newChat() {
  if (state.streaming) stop();
  closeDrawer();
  state.current = null;
  state.draftSystem = '';
  if (location.hash) history.replaceState(null, '', location.pathname);
  $('chat-title').textContent = 'New chat';
  view.show([]);
  renderChatList($('chat-list'), state.chats, null, { open: openChat, rename, remove });
  $('input').focus();
}

async function rename(chat) {
  const dialog = $('rename-dialog');
  $('rename-text').value = chat.title;
  const answer = await ask(dialog, $('rename-text'));
  const title = $('rename-text').value.trim();
  if (answer !== 'save' || !title) return;
  const updated = await save(() => api.updateChat(chat.id, { title }));
  if (updated && state.current && state.current.id === chat.id) {
    state.current.title = updated.title;
    $('chat-title').textContent = updated.title;
  }
  await refreshList();
}

async function remove(chat) {
  $('delete-text').textContent = `“${chat.title}” and its messages will be deleted.`;
  if (await ask($('delete-dialog'), $('delete-confirm')) !== 'delete') return;
  await save(() => api.deleteChat(chat.id));
  if (state.current && state.current.id === chat.id) newChat();
  await refreshList();
}

// ---- sending and streaming ----

function currentModel() {
  return $('model').value || undefined;
}

async function send() {
  const text = $('input').value.trim();
  if (!text || state.streaming) return;
  composer.clear();
  const user = { role: 'user', content: text, created_at: Date.now() };
  if (!state.current) {
    state.current = { id: null, title: titleOf(text), model: currentModel(), system_prompt: state.draftSystem, messages: [] };
    $('chat-title').textContent = state.current.title;
    const created = await save(() => api.createChat({
      title: state.current.title, model: currentModel(), system_prompt: state.draftSystem, messages: [user],
    }));
    if (created) {
      state.current.id = created.id;
      history.replaceState(null, '', `#/c/${created.id}`);
      refreshList();
    }
  } else if (state.current.id) {
    await save(() => api.appendMessages(state.current.id, [user]));
  }
  state.current.messages.push(user);
  view.add(user);
  view.scrollToEnd(true);
  await answer(false);
}

function titleOf(text) {
  const line = text.split('\n')[0].trim();
  return line.length > 48 ? `${line.slice(0, 47)}…` : line;
}

/** Streams the model's answer to the conversation so far and saves it (also when stopped part-way). */
async function answer(replaceAll) {
  const chat = state.current;
  const s = settings();
  const model = currentModel();
  const messages = [];
  if (chat.system_prompt) messages.push({ role: 'system', content: chat.system_prompt });
  for (const m of chat.messages) messages.push({ role: m.role, content: m.content });
  const reply = { role: 'assistant', content: '', model, created_at: Date.now() };
  const msgView = view.add(reply);
  msgView.setStreaming(true);
  const controller = new AbortController();
  state.streaming = { controller };
  setBusy(true);
  let first = 0;
  let last = 0;
  let pieces = 0;
  let usage = null;
  let failure = null;
  try {
    const request = { messages, max_tokens: s.maxTokens, temperature: s.temperature };
    if (model) request.model = model;
    ({ usage } = await api.streamChat(request, controller.signal, (delta) => {
      last = performance.now();
      if (!first) first = last;
      pieces++;
      msgView.setContent(reply.content + delta, true);
      view.scrollToEnd(false);
    }));
  } catch (e) {
    if (e.name === 'AbortError') reply.stopped = true;
    else failure = e;
  } finally {
    state.streaming = null;
    setBusy(false);
    msgView.setStreaming(false);
    msgView.setContent(reply.content, false);
  }
  if (failure && failure.status === 401) {
    // The key was missing or wrong: ask, then the user can send again.
    view.removeLast();
    await askKey(failure.message);
    return;
  }
  reply.tokens = usage ? usage.completion_tokens : pieces;
  // Generation speed: tokens after the first over the time they took (the prompt's time is not in it).
  reply.tokens_per_second = reply.tokens > 1 && last > first ? ((reply.tokens - 1) * 1000) / (last - first) : null;
  msgView.setStats(reply);
  if (failure) msgView.setError(failure.message);
  if (!reply.content) {
    if (!failure) msgView.setError(reply.stopped ? 'Stopped before any text.' : 'The model gave an empty answer.');
    return; // nothing to keep
  }
  chat.messages.push(reply);
  if (!chat.id) return;
  const saved = { role: 'assistant', content: reply.content, model: reply.model, created_at: reply.created_at };
  if (reply.tokens_per_second != null) saved.tokens_per_second = reply.tokens_per_second;
  const done = replaceAll
    ? await save(() => api.replaceMessages(chat.id, chat.messages.map(storable)))
    : await save(() => api.appendMessages(chat.id, [saved]));
  if (done) refreshList();
}

function storable(m) {
  const out = { role: m.role, content: m.content, created_at: m.created_at || Date.now() };
  if (m.model) out.model = m.model;
  if (m.tokens_per_second != null) out.tokens_per_second = m.tokens_per_second;
  return out;
}

function stop() {
  if (state.streaming) state.streaming.controller.abort();
}

async function regenerate() {
  const chat = state.current;
  if (!chat || state.streaming || !chat.messages.length) return;
  if (chat.messages[chat.messages.length - 1].role === 'assistant') {
    chat.messages.pop();
    view.removeLast();
  }
  await answer(true);
}

function setBusy(busy) {
  $('send').hidden = busy;
  $('stop').hidden = !busy;
  document.body.classList.toggle('busy', busy);
}

// ---- models, settings, dialogs ----

async function loadModels() {
  const select = $('model');
  try {
    const ids = await withKey(api.models);
    select.replaceChildren(...ids.map((id) => new Option(id, id)));
    const wanted = settings().model;
    if (wanted && ids.includes(wanted)) select.value = wanted;
    if (!ids.length) status('This server has no models.', true);
  } catch (e) {
    status(`Cannot list models: ${e.message}`, true);
  }
}

function selectModel(id) {
  const select = $('model');
  if (![...select.options].some((o) => o.value === id)) select.append(new Option(`${id} (not served)`, id));
  select.value = id;
}

async function editSystemPrompt() {
  const current = state.current ? state.current.system_prompt : state.draftSystem;
  $('system-text').value = current || '';
  if (await ask($('system-dialog'), $('system-text')) !== 'save') return;
  const text = $('system-text').value;
  if (!state.current) {
    state.draftSystem = text;
    return;
  }
  state.current.system_prompt = text;
  if (state.current.id) await save(() => api.updateChat(state.current.id, { system_prompt: text }));
}

/** Shows a modal dialog and resolves to the button value it was closed with ('' on Escape). */
function ask(dialog, focus) {
  return new Promise((resolve) => {
    dialog.returnValue = '';
    dialog.addEventListener('close', () => resolve(dialog.returnValue), { once: true });
    dialog.showModal();
    if (focus) focus.focus();
  });
}

async function askKey(reason) {
  $('key-text').value = api.apiKey();
  const dialog = $('key-dialog');
  dialog.querySelector('.hint').textContent = reason || 'This server asks for a key. It is kept in this browser only.';
  if (await ask(dialog, $('key-text')) !== 'save') return null;
  api.setApiKey($('key-text').value.trim());
  return $('key-text').value.trim();
}

function openDrawer() {
  document.body.classList.add('drawer-open');
}

function closeDrawer() {
  document.body.classList.remove('drawer-open');
}

function setupOptions() {
  const s = settings();
  const maxTokens = $('max-tokens');
  const temperature = $('temperature');
  maxTokens.value = s.maxTokens;
  temperature.value = s.temperature;
  maxTokens.addEventListener('change', () => {
    const n = Math.round(Number(maxTokens.value));
    if (n >= 1 && n <= 32768) saveSettings({ maxTokens: n });
    else maxTokens.value = settings().maxTokens;
  });
  temperature.addEventListener('change', () => {
    const t = Number(temperature.value);
    if (temperature.value !== '' && t >= 0 && t <= 2) saveSettings({ temperature: t });
    else temperature.value = settings().temperature;
  });
}

function chatInAddress() {
  const m = /^#\/c\/([A-Za-z0-9]+)$/.exec(location.hash);
  return m ? m[1] : null;
}

async function start() {
  placeIcons(document);
  view = new ChatView($('messages'), $('empty'), { regenerate });
  composer = setupComposer($('input'), send);
  setupOptions();
  $('composer').addEventListener('submit', (e) => {
    e.preventDefault();
    send();
  });
  $('stop').addEventListener('click', stop);
  $('new-chat').addEventListener('click', newChat);
  $('open-system').addEventListener('click', editSystemPrompt);
  $('open-key').addEventListener('click', async () => {
    if (await askKey() !== null) {
      await loadModels();
      await refreshList();
    }
  });
  $('open-drawer').addEventListener('click', openDrawer);
  $('close-drawer').addEventListener('click', closeDrawer);
  $('backdrop').addEventListener('click', closeDrawer);
  $('model').addEventListener('change', () => {
    const model = currentModel();
    saveSettings({ model });
    if (state.current && state.current.id) save(() => api.updateChat(state.current.id, { model }));
    if (state.current) state.current.model = model;
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && state.streaming) stop();
  });
  // Back and forward move between chats opened here; a pasted link opens its chat.
  window.addEventListener('hashchange', () => {
    const id = chatInAddress();
    if (id && (!state.current || state.current.id !== id)) openChat(id);
  });
  await loadModels();
  await refreshList();
  const id = chatInAddress();
  if (id) await openChat(id);
  else newChat();
  document.body.dataset.ready = 'true'; // tests wait for this
}

start();
