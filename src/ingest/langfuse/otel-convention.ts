// The langfuse.* OTel attributes (@langfuse/otel, the Langfuse Python SDK v3+, wire-formats.md
// §4.2) as a convention mapper. It runs first on /api/public/otel/v1/traces: what the Langfuse
// SDK set explicitly wins over every other convention.
import { asObject, fill, fillUsage, maybeJson, str, toNum, toTags, type ConventionMapper } from '../otlp/draft.js';
import type { Usage } from '../../model/schemas.js';
import type { Attributes } from '../otlp/types.js';
import { KIND_OF_TYPE } from './observation.js';
import { costFromDetails, usageFromDetails } from './usage.js';

/** `prefix` as one JSON object, merged with its `prefix.<key>` attributes (values parsed when JSON). */
function metadata(attrs: Attributes, prefix: string): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(asObject(attrs[prefix]) ?? {}) };
  const p = `${prefix}.`;
  for (const key in attrs) if (key.startsWith(p)) out[key.slice(p.length)] = maybeJson(attrs[key]);
  return out;
}

export const langfuseConvention: ConventionMapper = {
  name: 'langfuse',
  map({ attrs, resource, span }, d) {
    const type = str(attrs['langfuse.observation.type']);
    if (type) fill(d, 'kind', KIND_OF_TYPE[type.toLowerCase()]);
    fill(d, 'input', maybeJson(attrs['langfuse.observation.input']));
    fill(d, 'output', maybeJson(attrs['langfuse.observation.output']));
    fill(d, 'model', str(attrs['langfuse.observation.model.name']));
    fill(d, 'params', asObject(attrs['langfuse.observation.model.parameters']));

    const usage = asObject(attrs['langfuse.observation.usage_details']);
    const u = usage ? usageFromDetails(usage) : undefined;
    for (const [k, v] of Object.entries(u ?? {})) fillUsage(d, k as keyof Usage, v);
    const cost = asObject(attrs['langfuse.observation.cost_details']);
    if (cost) {
      const parts: Record<string, number> = {};
      for (const [k, v] of Object.entries(cost)) {
        const n = toNum(v);
        if (n !== undefined) parts[k] = n;
      }
      fill(d, 'costUsd', costFromDetails(parts));
    }

    const level = str(attrs['langfuse.observation.level']);
    const statusMessage = str(attrs['langfuse.observation.status_message']);
    if (level === 'ERROR') d.error ??= statusMessage ?? 'level ERROR';
    else if (statusMessage) d.metadata.statusMessage = statusMessage;
    if (level && level !== 'DEFAULT') d.metadata.level = level;
    Object.assign(d.metadata, metadata(attrs, 'langfuse.observation.metadata'));
    const completionStart = str(attrs['langfuse.observation.completion_start_time']);
    // The SDK JSON-serialises a Date, so the ISO text may arrive in quotes.
    if (completionStart) d.metadata.completionStartTime = completionStart.replace(/^"(.*)"$/, '$1');
    const promptName = str(attrs['langfuse.observation.prompt.name']);
    if (promptName) d.metadata.prompt = { name: promptName, ...(toNum(attrs['langfuse.observation.prompt.version']) !== undefined ? { version: toNum(attrs['langfuse.observation.prompt.version']) } : {}) };
    const version = str(attrs['langfuse.version']);
    if (version) d.metadata.version = version;

    fill(d, 'traceName', str(attrs['langfuse.trace.name']));
    fill(d, 'traceInput', maybeJson(attrs['langfuse.trace.input']));
    fill(d, 'traceOutput', maybeJson(attrs['langfuse.trace.output']));
    if (attrs['langfuse.internal.as_root'] === true || attrs['langfuse.internal.as_root'] === 'true') {
      // The SDK marks a span as its trace's root even when it has a remote parent.
      fill(d, 'traceName', span.name);
      fill(d, 'traceInput', maybeJson(attrs['langfuse.observation.input']));
      fill(d, 'traceOutput', maybeJson(attrs['langfuse.observation.output']));
    }
    fill(d, 'tags', toTags(attrs['langfuse.trace.tags']));
    Object.assign(d.traceMetadata, metadata(attrs, 'langfuse.trace.metadata'));
    const isPublic = attrs['langfuse.trace.public'];
    if (isPublic === true || isPublic === 'true') d.traceMetadata.public = true;
    fill(d, 'userId', str(attrs['langfuse.user.id']) ?? str(attrs['user.id']));
    fill(d, 'sessionId', str(attrs['langfuse.session.id']) ?? str(attrs['session.id']));
    fill(d, 'environment', str(attrs['langfuse.environment']) ?? str(resource['langfuse.environment']));
    fill(d, 'release', str(attrs['langfuse.release']) ?? str(resource['langfuse.release']));
  },
};
