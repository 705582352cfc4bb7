// How long each text field of the model may be: the native API's schemas refuse longer ones, and
// the pipeline holds every other format to the same (issue 14, item 2). Ids and labels are looked
// up and indexed, so they are short; free text is long but cut at maxStringLength.

/** Trace, span and score ids; user, session, external and test ids. */
export const ID_CHARS = 800;
/** Trace and span names. */
export const NAME_CHARS = 2000;
/** Environment, release, tags, model, provider, score name. */
export const LABEL_CHARS = 200;
/** Tags on one trace. */
export const MAX_TAGS = 100;
/** A score's comment. */
export const COMMENT_CHARS = 10_000;
