// A small Markdown renderer for model answers. Safety first: the whole source is HTML-escaped before any
// markup is recognised, so the only tags in the output are the fixed ones written here, and links are kept
// only for http(s), mailto and same-page targets. Supports headings, paragraphs (single newlines kept as
// line breaks, as chat answers mean them), bullet and numbered lists (nested by indentation), block quotes,
// fenced code blocks (an unclosed fence runs to the end, so code streams in as code), tables, rules, and
// inline code, bold, italic, strikethrough, links and bare URLs.

import { icon } from './icons.js';

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)[^`]*$/;
const HEADING = /^ {0,3}(#{1,6})(?:\s+(.*?))?(?:\s+#+)?\s*$/;
const RULE = /^ {0,3}([-*_])(?:\s*\1){2,}\s*$/;
const QUOTE = /^ {0,3}>\s?/;
const ITEM = /^( {0,12})([-*+]|\d{1,9}[.)])(\s+|$)/;
const TABLE_SEP = /^\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$/;

/**
 * Renders Markdown as a list of top-level blocks, each {src, html}. A streaming view keeps the DOM of blocks
 * whose source has not changed and re-renders only from the first one that did (usually just the last).
 */
export function renderBlocks(source) {
  const lines = source.replace(/\r\n?/g, '\n').replace(/[\uE000\uE001]/g, '').split('\n');
  return parseBlocks(lines);
}

/** The whole document as one HTML string. */
export function renderMarkdown(source) {
  return renderBlocks(source).map((b) => b.html).join('');
}

function parseBlocks(lines) {
  const blocks = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) { i++; continue; }
    const start = i;
    let html;
    let m;
    if ((m = FENCE.exec(line))) {
      const marker = m[1];
      const body = [];
      i++;
      while (i < lines.length && !isClosingFence(lines[i], marker)) body.push(lines[i++]);
      if (i < lines.length) i++; // the closing fence
      html = codeBlock(m[2], body.join('\n'));
    } else if ((m = HEADING.exec(line))) {
      const level = m[1].length;
      html = `<h${level}>${inline(m[2] || '')}</h${level}>`;
      i++;
    } else if (RULE.test(line)) {
      html = '<hr>';
      i++;
    } else if (QUOTE.test(line)) {
      const body = [];
      while (i < lines.length && QUOTE.test(lines[i])) body.push(lines[i++].replace(QUOTE, ''));
      html = `<blockquote>${parseBlocks(body).map((b) => b.html).join('')}</blockquote>`;
    } else if (ITEM.test(line)) {
      [html, i] = list(lines, i);
    } else if (line.includes('|') && i + 1 < lines.length && lines[i + 1].includes('|') && TABLE_SEP.test(lines[i + 1])) {
      [html, i] = table(lines, i);
    } else {
      const body = [];
      while (i < lines.length && lines[i].trim() && !startsBlock(lines, i)) body.push(lines[i++].trim());
      if (!body.length) body.push(lines[i++].trim()); // a line that only looked like a block start
      html = `<p>${body.map(inline).join('<br>')}</p>`;
    }
    blocks.push({ src: lines.slice(start, i).join('\n'), html });
  }
  return blocks;
}

function isClosingFence(line, marker) {
  const t = line.trim();
  return t.length >= marker.length && t[0] === marker[0] && /^(`+|~+)$/.test(t);
}

function startsBlock(lines, i) {
  const line = lines[i];
  return FENCE.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line)
    || (ITEM.test(line) && !/^\d/.test(line.trim())) || /^\s*\d{1,9}[.)]\s/.test(line)
    || (line.includes('|') && i + 1 < lines.length && TABLE_SEP.test(lines[i + 1]) && lines[i + 1].includes('|'));
}

function codeBlock(lang, code) {
  const safeLang = /^[\w+#.-]{1,30}$/.test(lang || '') ? lang : '';
  return `<div class="code-block"><div class="code-head"><span class="code-lang">${escapeHtml(safeLang || 'text')}</span>`
    + `<button type="button" class="code-copy" data-copy-code title="Copy code">${icon('copy', 14)}<span>Copy</span></button></div>`
    + `<pre><code${safeLang ? ` class="language-${escapeHtml(safeLang)}"` : ''}>${escapeHtml(code)}</code></pre></div>`;
}

/** A list starting at line i: items at the first item's indentation; deeper lines belong to the item. */
function list(lines, i) {
  const first = ITEM.exec(lines[i]);
  const indent = first[1].length;
  const ordered = /\d/.test(first[2]);
  const startNumber = ordered ? parseInt(first[2], 10) : 1;
  const items = [];
  let loose = false;
  while (i < lines.length) {
    const m = ITEM.exec(lines[i]);
    if (!m || m[1].length !== indent || /\d/.test(m[2]) !== ordered) break;
    const contentIndent = indent + m[2].length + Math.max(1, Math.min(m[3].length, 4));
    const body = [lines[i].slice(m[0].length)];
    i++;
    while (i < lines.length) {
      const line = lines[i];
      if (!line.trim()) {
        // A blank line continues the item only when indented content follows.
        const next = lines[i + 1];
        if (next !== undefined && next.trim() && leading(next) >= contentIndent) {
          body.push('');
          loose = true;
          i++;
          continue;
        }
        if (next !== undefined && ITEM.test(next) && leading(next) === indent) loose = true;
        break;
      }
      const lm = ITEM.exec(line);
      if (lm && lm[1].length <= indent) break;
      if (leading(line) < contentIndent && !lm && startsBlock(lines, i)) break;
      body.push(leading(line) >= contentIndent ? line.slice(contentIndent) : line.trim());
      i++;
    }
    items.push(body);
    while (i < lines.length && !lines[i].trim() && i + 1 < lines.length && ITEM.test(lines[i + 1])
      && leading(lines[i + 1]) === indent) i++;
  }
  const inner = items.map((body) => {
    const blocks = parseBlocks(body);
    // Tight lists: a lone paragraph is written without <p>, so items sit close together.
    const html = blocks.map((b, k) => (!loose && k === 0 && b.html.startsWith('<p>')
      ? b.html.slice(3, -4) : b.html)).join('');
    return `<li>${html}</li>`;
  }).join('');
  const tag = ordered ? 'ol' : 'ul';
  const start = ordered && startNumber !== 1 ? ` start="${startNumber}"` : '';
  return [`<${tag}${start}>${inner}</${tag}>`, i];
}

function leading(line) {
  return line.length - line.trimStart().length;
}

function table(lines, i) {
  const head = cells(lines[i]);
  const aligns = cells(lines[i + 1]).map((c) => {
    const left = c.startsWith(':');
    const right = c.endsWith(':');
    return left && right ? 'center' : right ? 'right' : left ? 'left' : '';
  });
  i += 2;
  const rows = [];
  while (i < lines.length && lines[i].trim() && lines[i].includes('|')) rows.push(cells(lines[i++]));
  const cell = (tag, text, k) => `<${tag}${aligns[k] ? ` class="align-${aligns[k]}"` : ''}>${inline(text)}</${tag}>`;
  const thead = `<thead><tr>${head.map((c, k) => cell('th', c, k)).join('')}</tr></thead>`;
  const tbody = rows.length
    ? `<tbody>${rows.map((r) => `<tr>${head.map((_, k) => cell('td', r[k] || '', k)).join('')}</tr>`).join('')}</tbody>`
    : '';
  return [`<div class="table-wrap"><table>${thead}${tbody}</table></div>`, i];
}

function cells(line) {
  let t = line.trim();
  if (t.startsWith('|')) t = t.slice(1);
  if (t.endsWith('|') && !t.endsWith('\\|')) t = t.slice(0, -1);
  return t.split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
}

/** Inline markup of one line of text. Code spans and links are set aside first so nothing inside them changes. */
export function inline(text) {
  const held = [];
  const hold = (html) => `\uE000${held.push(html) - 1}\uE001`;
  let s = escapeHtml(text);
  s = s.replace(/(`+)(.+?)\1(?!`)/g, (_, __, code) => hold(`<code>${code.trim() || code}</code>`));
  s = s.replace(/\[([^\]\n]+)\]\(((?:[^()\s&]|&amp;)+)\)/g, (whole, label, url) =>
    (safeUrl(url) ? hold(link(url, emphasis(label))) : whole));
  s = s.replace(/(^|[\s(（])(https?:\/\/(?:[^\s&<>()（）]|&amp;)+[^\s&<>()（）.,:;!?'"。，；：！？])/g,
    (_, before, url) => before + hold(link(url, url)));
  s = emphasis(s);
  return s.replace(/\uE000(\d+)\uE001/g, (_, n) => held[Number(n)]);
}

function emphasis(s) {
  return s
    .replace(/\*\*(?=\S)(.+?)(?<=\S)\*\*/g, '<strong>$1</strong>')
    .replace(/(^|[^\w])__(?=\S)(.+?)(?<=\S)__(?!\w)/g, '$1<strong>$2</strong>')
    .replace(/(^|[^*\w])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![*\w])/g, '$1<em>$2</em>')
    .replace(/(^|[^\w])_(?=[^\s_])(.+?)(?<=[^\s_])_(?!\w)/g, '$1<em>$2</em>')
    .replace(/~~(?=\S)(.+?)(?<=\S)~~/g, '<del>$1</del>');
}

/** Only links that cannot run script: http(s), mailto, and paths or anchors on this site. */
function safeUrl(escapedUrl) {
  return /^(https?:\/\/|mailto:|#|\/(?!\/))/i.test(escapedUrl);
}

function link(escapedUrl, labelHtml) {
  return `<a href="${escapedUrl}" target="_blank" rel="noopener noreferrer">${labelHtml}</a>`;
}
