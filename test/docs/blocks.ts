// The shell blocks of a Markdown page, with what the page says around them: a `<!-- doc-test: … -->`
// marker right before a block, and the output shown right after it (a ```json block).

export interface Expected {
  /** 1-based line in the page where the shown output starts. */
  line: number;
  text: string;
}

export interface Segment {
  /** The commands whose output `expected` shows (for the last segment, possibly none shown). */
  script: string;
  expected?: Expected;
}

export interface DocBlock {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  script: string;
  /** `skip (reason)` / `expect-error`, from a marker right before the block. */
  marker?: { kind: 'skip'; reason: string } | { kind: 'expect-error' };
  /** The script cut at each `# {…}` / `# […]` comment run: each run shows the output of the commands above it. */
  segments: Segment[];
}

const SHELL_FENCE = /^```(sh|bash|shell)\s*$/;
const MARKER = /^<!--\s*doc-test:\s*(skip|expect-error)\s*(?:\((.*)\))?\s*-->\s*$/;

export function shellBlocks(file: string, text: string): DocBlock[] {
  const lines = text.split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith('```')) continue;
    const start = i;
    const isShell = SHELL_FENCE.test(lines[i]);
    i++;
    while (i < lines.length && !lines[i].startsWith('```')) i++;
    if (!isShell) continue;
    const body = lines.slice(start + 1, i);
    const block: DocBlock = { file, line: start + 1, script: body.join('\n'), segments: segmentsOf(body, start + 2) };
    const marker = previousNonBlank(lines, start);
    const m = marker === undefined ? null : MARKER.exec(marker);
    if (m) block.marker = m[1] === 'skip' ? { kind: 'skip', reason: m[2] ?? 'no reason given' } : { kind: 'expect-error' };
    const after = jsonBlockAfter(lines, i);
    const last = block.segments[block.segments.length - 1];
    if (after && !last.expected && last.script.trim()) last.expected = after;
    blocks.push(block);
  }
  return blocks;
}

function previousNonBlank(lines: string[], at: number): string | undefined {
  for (let j = at - 1; j >= 0; j--) if (lines[j].trim()) return lines[j];
  return undefined;
}

/**
 * A ```json block that follows the closing fence at `close` with only blank lines between, or with
 * one paragraph that introduces it (ends with ':', as in "The answer is HTTP 207 …:").
 */
function jsonBlockAfter(lines: string[], close: number): Expected | undefined {
  let j = close + 1;
  while (j < lines.length && !lines[j].trim()) j++;
  if (j < lines.length && !lines[j].startsWith('```')) {
    while (j < lines.length && lines[j].trim()) j++;
    if (!lines[j - 1].trimEnd().endsWith(':')) return undefined;
    while (j < lines.length && !lines[j].trim()) j++;
  }
  if (j >= lines.length || !/^```json\s*$/.test(lines[j])) return undefined;
  const start = j + 1;
  let end = start;
  while (end < lines.length && !lines[end].startsWith('```')) end++;
  return { line: start + 1, text: lines.slice(start, end).join('\n') };
}

const OUTPUT_COMMENT = /^#\s?(\s*[{[].*)$/;
const CONTINUATION = /^#\s+(.*)$/;

function segmentsOf(body: string[], firstLine: number): Segment[] {
  const segments: Segment[] = [];
  let script: string[] = [];
  for (let k = 0; k < body.length; k++) {
    const m = OUTPUT_COMMENT.exec(body[k]);
    if (!m) {
      script.push(body[k]);
      continue;
    }
    const line = firstLine + k;
    const shown = [m[1]];
    // a shown value may wrap over several comment lines, each indented past the '#'
    while (k + 1 < body.length && CONTINUATION.test(body[k + 1]) && !OUTPUT_COMMENT.exec(body[k + 1])) shown.push(CONTINUATION.exec(body[++k])![1]);
    segments.push({ script: script.join('\n'), expected: { line, text: shown.join('\n') } });
    script = [];
  }
  segments.push({ script: script.join('\n') });
  return segments;
}
