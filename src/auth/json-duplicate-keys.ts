/**
 * Duplicate object keys in JSON text. `JSON.parse` keeps the last of two equal keys; a JWT whose claims repeat a key
 * (`{"access":"r","access":"m"}`) would then mean different things to different parsers, so Quiver refuses it, as
 * Qdrant's serde does.
 */

/**
 * True when some object in `text` has two keys with the same value once unescaped (`"a"` and `"\u0061"` are
 * equal). Meant for valid JSON (call after `JSON.parse` succeeded); other text ends the scan early.
 */
export function hasDuplicateKeys(text: string): boolean {
  // One entry per open container: the keys seen so far for an object, null for an array.
  const stack: Array<Set<string> | null> = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      if (end >= text.length) return false; // not JSON: nothing to report
      const keys = stack[stack.length - 1];
      if (expectKey && keys != null) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (keys.has(key)) return true;
        keys.add(key);
        expectKey = false;
      }
      i = end;
    } else if (c === '{') {
      stack.push(new Set());
      expectKey = true;
    } else if (c === '[') {
      stack.push(null);
      expectKey = false;
    } else if (c === '}' || c === ']') {
      stack.pop();
      expectKey = false;
    } else if (c === ',') {
      expectKey = stack[stack.length - 1] != null;
    }
  }
  return false;
}
