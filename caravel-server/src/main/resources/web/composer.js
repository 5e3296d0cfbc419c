// The message box: Enter sends, Shift+Enter is a new line, and nothing is sent while an input method (Chinese
// pinyin, Japanese, …) is composing: there Enter confirms the candidate, it does not mean "send".

export function setupComposer(textarea, onSend) {
  let composing = false;
  textarea.addEventListener('compositionstart', () => { composing = true; });
  textarea.addEventListener('compositionend', () => {
    // Safari fires compositionend before the keydown of the Enter that ended it: clear the flag a tick later.
    setTimeout(() => { composing = false; }, 0);
  });
  textarea.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter' || e.shiftKey || e.altKey || e.ctrlKey || e.metaKey) return;
    // keyCode 229 is what browsers report for keys an input method consumed.
    if (e.isComposing || e.keyCode === 229 || composing) return;
    e.preventDefault();
    onSend();
  });
  textarea.addEventListener('input', () => autosize(textarea));
  return {
    clear() {
      textarea.value = '';
      autosize(textarea);
    },
    set(text) {
      textarea.value = text;
      autosize(textarea);
    },
  };
}

/** Grows the box with its text up to a limit (then it scrolls). */
function autosize(textarea) {
  textarea.style.height = 'auto';
  textarea.style.height = `${Math.min(textarea.scrollHeight, 240)}px`;
}
