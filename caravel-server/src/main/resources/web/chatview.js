// The message column: user messages as plain text, answers as Markdown that re-renders block by block while
// it streams, and under each answer its model, speed and the copy / regenerate buttons.

import { renderBlocks } from './markdown.js';
import { icon } from './icons.js';

export class ChatView {
  constructor(container, empty, handlers) {
    this.container = container;
    this.empty = empty;
    this.handlers = handlers;
    this.views = [];
    container.addEventListener('click', (e) => {
      const button = e.target.closest('[data-copy-code]');
      if (!button) return;
      const code = button.closest('.code-block').querySelector('code').textContent;
      copyText(code).then(() => flash(button));
    });
  }

  /** Shows a whole conversation (replacing what was there). */
  show(messages) {
    for (const v of this.views) v.el.remove();
    this.views = [];
    for (const m of messages) this.add(m);
    this.update();
    this.scrollToEnd(true);
  }

  /** Adds one message at the end and returns its view. */
  add(message) {
    const view = new MessageView(message, this.handlers);
    this.views.push(view);
    this.container.append(view.el);
    this.update();
    return view;
  }

  /** Removes the last message's view (regenerating replaces the last answer). */
  removeLast() {
    const v = this.views.pop();
    if (v) v.el.remove();
    this.update();
  }

  /** Only the last answer offers "regenerate"; the empty-chat greeting shows when there is nothing else. */
  update() {
    this.empty.hidden = this.views.length > 0;
    this.views.forEach((v, k) => v.setLast(k === this.views.length - 1));
  }

  /** Keeps the newest text in view unless the reader scrolled up to read something earlier. */
  scrollToEnd(force) {
    const c = this.container;
    const nearEnd = c.scrollHeight - c.scrollTop - c.clientHeight < 120;
    if (force || nearEnd) c.scrollTop = c.scrollHeight;
  }
}

class MessageView {
  constructor(message, handlers) {
    this.message = message;
    this.blocks = [];
    this.pending = false;
    const el = document.createElement('article');
    el.className = `msg msg-${message.role}`;
    el.dataset.role = message.role;
    this.body = document.createElement('div');
    this.body.className = message.role === 'assistant' ? 'msg-body markdown' : 'msg-body';
    el.append(this.body);
    const meta = document.createElement('div');
    meta.className = 'msg-meta';
    this.stats = document.createElement('span');
    this.stats.className = 'msg-stats';
    const actions = document.createElement('span');
    actions.className = 'msg-actions';
    const copy = button('copy', 'Copy message', 'msg-copy', () => copyText(this.message.content).then(() => flash(copy)));
    actions.append(copy);
    if (message.role === 'assistant') {
      this.regenerate = button('refresh', 'Regenerate', 'msg-regenerate', () => handlers.regenerate());
      actions.append(this.regenerate);
    }
    meta.append(this.stats, actions);
    el.append(meta);
    this.el = el;
    this.setContent(message.content, false);
    this.setStats(message);
  }

  setLast(last) {
    if (this.regenerate) this.regenerate.hidden = !last;
  }

  setStreaming(on) {
    this.el.classList.toggle('streaming', on);
  }

  setError(text) {
    const err = document.createElement('div');
    err.className = 'msg-error';
    err.textContent = text;
    this.el.insertBefore(err, this.el.lastChild);
  }

  /** New text; while streaming the DOM is brought up to date once per frame, at most. */
  setContent(text, streaming) {
    this.message.content = text;
    if (this.message.role !== 'assistant') {
      this.body.textContent = text;
      return;
    }
    if (!streaming) {
      this.flush();
      return;
    }
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => this.flush());
  }

  /** Re-renders from the first block whose source changed; earlier blocks keep their nodes (and selections). */
  flush() {
    this.pending = false;
    const next = renderBlocks(this.message.content);
    let same = 0;
    while (same < next.length && same < this.blocks.length && next[same].src === this.blocks[same].src) same++;
    for (const b of this.blocks.splice(same)) b.node.remove();
    const template = document.createElement('template');
    for (const b of next.slice(same)) {
      template.innerHTML = b.html; // renderer output: every piece of text in it is escaped
      const node = template.content.firstElementChild;
      this.body.append(node);
      this.blocks.push({ src: b.src, node });
    }
  }

  setStats(m) {
    const parts = [];
    if (m.role === 'assistant' && m.model) parts.push(m.model);
    if (m.tokens != null) parts.push(`${m.tokens} tokens`);
    if (m.tokens_per_second != null) parts.push(`${m.tokens_per_second.toFixed(1)} tokens/s`);
    if (m.stopped) parts.push('stopped');
    this.stats.textContent = parts.join(' · ');
  }
}

function button(iconName, label, cls, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = `icon-button small ${cls}`;
  b.title = label;
  b.setAttribute('aria-label', label);
  b.innerHTML = icon(iconName, 16);
  b.addEventListener('click', onClick);
  return b;
}

/** The clipboard API needs a secure context (https or localhost); elsewhere fall back to a hidden text area. */
export async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return;
    } catch { /* permission refused: try the old way */ }
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.className = 'offscreen';
  document.body.append(area);
  area.select();
  document.execCommand('copy');
  area.remove();
}

function flash(el) {
  el.classList.add('copied');
  setTimeout(() => el.classList.remove('copied'), 1200);
}
