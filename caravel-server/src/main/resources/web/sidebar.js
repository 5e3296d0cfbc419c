// The conversation list: one row per saved chat, newest first, with rename and delete buttons.

import { icon } from './icons.js';

export function renderChatList(container, chats, currentId, handlers) {
  container.replaceChildren();
  if (!chats.length) {
    const empty = document.createElement('p');
    empty.className = 'chat-list-empty';
    empty.textContent = 'No conversations yet.';
    container.append(empty);
    return;
  }
  for (const chat of chats) {
    const row = document.createElement('div');
    row.className = 'chat-item' + (chat.id === currentId ? ' active' : '');
    row.dataset.id = chat.id;
    const open = document.createElement('button');
    open.type = 'button';
    open.className = 'chat-open';
    open.textContent = chat.title; // textContent: titles are user text, never markup
    open.title = chat.title;
    open.addEventListener('click', () => handlers.open(chat.id));
    const rename = actionButton('edit', 'Rename', 'chat-rename', () => handlers.rename(chat));
    const del = actionButton('trash', 'Delete', 'chat-delete', () => handlers.remove(chat));
    row.append(open, rename, del);
    container.append(row);
  }
}

function actionButton(iconName, label, cls, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = `chat-action ${cls}`;
  b.title = label;
  b.setAttribute('aria-label', label);
  b.innerHTML = icon(iconName, 16);
  b.addEventListener('click', (e) => {
    e.stopPropagation();
    onClick();
  });
  return b;
}
