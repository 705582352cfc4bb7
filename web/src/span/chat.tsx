// LLM input/output as a chat: a bubble per message with its role, text (folded when long),
// images as thumbnails, tool calls with their arguments and tool results with their call id.
import { useState, type MouseEvent } from 'react';
import { FoldText } from './fold-text';
import { JsonTree } from './json-tree';
import { valueMatches } from './search';
import { CALL_PARTS, RESULT_PARTS, TEXT_PARTS, THINKING_PARTS, dataUriBlob, imageSrc, roleClass, toCall, type Call, type Msg } from './messages';
import { isList, isRecord, maybeJson, prettyArgs, str } from './values';

/** Tool output is usually JSON text: pretty-printed it reads far better than one long line. */
function MessageText({ text, search, asJson }: { text: string; search: string; asJson: boolean }) {
  if (asJson) {
    const v = maybeJson(text);
    if (typeof v !== 'string') return <FoldText text={prettyArgs(text)} search={search} mono />;
  }
  return <FoldText text={text} search={search} />;
}

export function ToolCallView({ call, search }: { call: Call; search: string }) {
  const args = prettyArgs(call.args);
  return (
    <div className="sp-toolcall" data-testid="tool-call">
      <div className="sp-toolcall-head">
        <span className="sp-toolcall-icon" aria-hidden>ƒ</span>
        <span className="sp-toolcall-name mono">{call.name || <span className="faint">(unnamed)</span>}</span>
        {call.id && <span className="faint mono sp-small">{call.id}</span>}
      </div>
      {args ? <FoldText text={args} search={search} mono /> : <span className="faint sp-small">no arguments</span>}
    </div>
  );
}

function Thumb({ src }: { src: string }) {
  const [failed, setFailed] = useState(false);
  const isData = src.startsWith('data:');
  // An SVG opened as a top-level page would run its scripts with the dashboard's origin.
  const openable = !(isData && /^data:image\/svg/i.test(src));
  const onClick = (e: MouseEvent) => {
    if (!isData) return;
    // Browsers refuse to navigate a tab to a data: URL; a blob: URL of the same bytes opens fine.
    e.preventDefault();
    const blob = dataUriBlob(src);
    if (blob) window.open(URL.createObjectURL(blob), '_blank', 'noopener');
  };
  if (failed) return <span className="sp-img-failed faint sp-small" title={src.slice(0, 300)}>image did not load</span>;
  const img = <img className="sp-img" src={src} alt="image part" loading="lazy" referrerPolicy="no-referrer" onError={() => setFailed(true)} />;
  return openable ? (
    <a className="sp-img-link" href={src} target="_blank" rel="noopener noreferrer" onClick={onClick} title="Open full size">{img}</a>
  ) : img;
}

function Part({ part, search, asJson }: { part: unknown; search: string; asJson: boolean }) {
  if (typeof part === 'string') return <MessageText text={part} search={search} asJson={asJson} />;
  if (!isRecord(part)) return <JsonTree value={part} search={search} openDepth={1} />;
  const type = str(part.type) ?? '';
  if (TEXT_PARTS.has(type) && typeof part.text === 'string') return <MessageText text={part.text} search={search} asJson={asJson} />;
  const src = imageSrc(part);
  if (src) return <Thumb src={src} />;
  if (CALL_PARTS.has(type)) {
    const call = toCall(part);
    if (call) return <ToolCallView call={call} search={search} />;
  }
  if (THINKING_PARTS.has(type)) {
    const text = str(part.thinking) ?? str(part.text) ?? str(part.content) ?? (type === 'redacted_thinking' ? '(redacted)' : '');
    return (
      <div className="sp-thinking">
        <span className="sp-part-label">{type}</span>
        <FoldText text={text} search={search} lines={8} />
      </div>
    );
  }
  if (RESULT_PARTS.has(type)) {
    const id = str(part.tool_use_id) ?? str(part.toolCallId) ?? str(part.call_id) ?? str(part.id);
    const name = str(part.toolName) ?? str(part.name);
    const body = part.content ?? part.result ?? part.output ?? part.response;
    return (
      <div className="sp-toolresult">
        <span className="sp-part-label">result{name ? ` of ${name}` : ''}{id && <span className="mono"> · {id}</span>}</span>
        <Content content={body} search={search} asJson />
      </div>
    );
  }
  if (typeof part.text === 'string' && Object.keys(part).length <= 2) return <MessageText text={part.text} search={search} asJson={asJson} />;
  return (
    <div className="sp-otherpart">
      <span className="sp-part-label">{type || 'part'}</span>
      <JsonTree value={part} search={search} openDepth={1} />
    </div>
  );
}

function Content({ content, search, asJson }: { content: unknown; search: string; asJson: boolean }) {
  if (content === null || content === undefined || content === '') return null;
  if (typeof content === 'string') return <MessageText text={content} search={search} asJson={asJson} />;
  if (isList(content)) {
    return <div className="sp-parts">{content.map((p, i) => <Part key={i} part={p} search={search} asJson={asJson} />)}</div>;
  }
  if (isRecord(content)) return <Part part={content} search={search} asJson={asJson} />;
  return <FoldText text={String(content)} search={search} />;
}

export function ChatMessageView({ message, search }: { message: Msg; search: string }) {
  const role = message.role;
  const rc = roleClass(role);
  const calls = (isList(message.tool_calls) ? message.tool_calls : []).map(toCall).filter((c): c is Call => c !== null);
  // Older OpenAI messages carry a single function_call instead of tool_calls.
  const legacy = toCall(message.function_call);
  if (legacy) calls.push(legacy);
  const callId = str(message.tool_call_id);
  const name = str(message.name);
  const finish = str(message.finish_reason);
  // Gemini-style messages hold their content in `parts`.
  const content = message.content ?? message.parts;
  const empty = (content === null || content === undefined || content === '') && !calls.length;
  return (
    <div className={`sp-msg sp-msg-${rc}${rc === 'tool' ? ' kind-tool' : ''}`} data-testid="chat-message" data-role={role}>
      <div className="sp-msg-head">
        <span className="sp-role">{role}</span>
        {name && <span className="sp-small mono">{name}</span>}
        {callId && <span className="sp-small faint mono" title="tool_call_id">↳ {callId}</span>}
        {finish && finish !== 'stop' && <span className="badge" title="finish_reason">{finish}</span>}
      </div>
      <Content content={content} search={search} asJson={rc === 'tool'} />
      {empty && <span className="faint sp-small">(empty)</span>}
      {calls.length > 0 && (
        <div className="sp-toolcalls">{calls.map((c, i) => <ToolCallView key={c.id ?? i} call={c} search={search} />)}</div>
      )}
    </div>
  );
}

/** Past this many messages the middle of a conversation folds (agents resend all of it). */
const FOLD_MESSAGES = 12;
const KEEP_LAST = 6;

export function Chat({ messages, search }: { messages: Msg[]; search: string }) {
  const [all, setAll] = useState(false);
  const lead = messages.length && roleClass(messages[0].role) === 'system' ? 1 : 0;
  const folded = !all && messages.length > FOLD_MESSAGES;
  const hidden = folded ? messages.slice(lead, messages.length - KEEP_LAST) : [];
  const at = (from: number, to?: number) => messages.slice(from, to).map((m, i) => <ChatMessageView key={from + i} message={m} search={search} />);
  return (
    <div className="sp-chat" data-testid="chat">
      {folded ? (
        <>
          {at(0, lead)}
          <button type="button" className="sp-link sp-chat-more" onClick={() => setAll(true)}>
            show {hidden.length} earlier messages
            {hidden.some((m) => valueMatches(m, search)) && <mark className="sp-match-hint">matches</mark>}
          </button>
          {at(messages.length - KEEP_LAST)}
        </>
      ) : at(0)}
    </div>
  );
}
