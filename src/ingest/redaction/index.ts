// Redaction (issue 14, item 11): per-project rules that mask secrets and personal data in free
// text before anything is stored. docs/redaction.md tells users what each built-in catches.
export { BUILTINS, BUILTIN_NAMES, type BuiltinName, luhnValid, ibanValid, looksRandom } from './builtins.js';
export {
  CustomRule, RedactionRules, RedactionPatch, REDACTION_SETTINGS_KEY, REDACTION_FIELDS, DEFAULT_REDACTION,
  redactionRulesFrom, rulesProblem, customRuleProblem, backtrackingRisk, compileRules,
  type CompiledRedaction, type CompiledRule, type RedactionField,
} from './rules.js';
export { findMatches, redactString, redactBatch, RedactionCounters, type RedactionMatch, type RuleCounts } from './redact.js';
