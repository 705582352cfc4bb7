// The built-in detectors a project can switch on: e-mail addresses, phone numbers, card numbers
// (Luhn), IBANs (mod 97), API keys by their known prefixes, and long high-entropy tokens. Each is
// a few linear-time regexes (bounded quantifiers, anchored by look-behinds so a long run of
// token characters is tried once, not at every position) plus a check on what matched, so a
// lookalike (a 16-digit id, a date, a hex trace id) is left alone.

export const BUILTIN_NAMES = ['email', 'phone', 'card', 'iban', 'api_key', 'token'] as const;
export type BuiltinName = (typeof BUILTIN_NAMES)[number];

export interface Detector {
  name: string;
  /** Global regexes; each match is a candidate. */
  patterns: RegExp[];
  /** A cheap test on the whole string: false means no pattern can match, so none is run. */
  maybe?: (s: string) => boolean;
  /** Whether a candidate really is one (checksums, digit counts, entropy). */
  verify?: (match: string) => boolean;
  /** Only the match's group 1, which ends it, is masked (a prefix such as "Bearer " stays). */
  maskGroup?: boolean;
  /** A hand-written scanner used instead of patterns where a regex is slow: [start, end) of each candidate. */
  scan?: (s: string) => Array<[number, number]>;
}

const digitsOf = (s: string) => s.replace(/\D/g, '');
const hasDigit = (s: string) => /\d/.test(s);

/** The Luhn checksum every payment card number carries. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = digits.length - 1, double = false; i >= 0; i--, double = !double) {
    let d = digits.charCodeAt(i) - 48;
    if (double && (d *= 2) > 9) d -= 9;
    sum += d;
  }
  return sum % 10 === 0;
}

/** ISO 13616: the country and check digits moved to the end, letters as 10..35, the number mod 97 is 1. */
export function ibanValid(raw: string): boolean {
  const s = raw.replace(/ /g, '');
  if (s.length < 15 || s.length > 34) return false;
  const moved = s.slice(4) + s.slice(0, 4);
  let rem = 0;
  for (const ch of moved) {
    const code = ch.charCodeAt(0);
    const v = code >= 65 ? code - 55 : code - 48;
    rem = (v > 9 ? rem * 100 + v : rem * 10 + v) % 97;
  }
  return rem === 1;
}

/** Shannon entropy in bits per character. */
export function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) h -= (n / s.length) * Math.log2(n / s.length);
  return h;
}

/**
 * A token that looks random rather than written: upper case, lower case and digits all present
 * (so hex ids, UUIDs and words are not tokens) and at least 4.2 bits of entropy per character
 * (camel-case identifiers stay under it; 32 random base62 characters are at ~4.6).
 */
export function looksRandom(s: string): boolean {
  let upper = 0, lower = 0, digit = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) upper++;
    else if (c >= 97 && c <= 122) lower++;
    else if (c >= 48 && c <= 57) digit++;
  }
  return upper >= 2 && lower >= 2 && digit >= 2 && entropy(s) >= 4.2;
}

const TOKEN_CHAR = new Uint8Array(128);
for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+/=-') TOKEN_CHAR[ch.charCodeAt(0)] = 1;

/** Runs of token characters 32 to 256 long. */
function tokenRuns(s: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let start = -1;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 0;
    if (c < 128 && TOKEN_CHAR[c] === 1) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      if (i - start >= 32 && i - start <= 256) out.push([start, i]);
      start = -1;
    }
  }
  return out;
}

/** The detectors each built-in runs (api_key is two: its prefixes, and bearer credentials). */
export const BUILTIN_DETECTORS: Record<BuiltinName, Detector[]> = {
  email: [], phone: [], card: [], iban: [], api_key: [], token: [],
};

export const BUILTINS: Record<BuiltinName | 'bearer', Detector> = {
  email: {
    name: 'email',
    // Bounded parts: a local part of up to 64 characters, 1-8 labels, a letter TLD (so `user@host` is not one).
    patterns: [/(?<![\w.%+-])[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}[A-Za-z]{2,24}(?![\w-])/g],
    maybe: (s) => s.includes('@'),
  },
  phone: {
    name: 'phone',
    patterns: [
      // International: a leading +, country code, then groups; 8-15 digits in all (E.164).
      // (One bounded character class, not nested groups, so a long digit run backtracks at most 22 steps.)
      /(?<![\w+])\+\d[\d .()-]{6,22}\d(?![\w])/g,
      // North American grouping: (555) 123-4567, 555-123-4567, 555.123.4567.
      /(?<![\w.-])\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}(?![\w.-]?\d)/g,
      // National numbers with a trunk 0 and separators: 020 7946 0958, 06 12 34 56 78.
      /(?<![\w.-])0\d{1,4}(?:[ .-]\d{2,4}){2,4}(?![\w.-]?\d)/g,
    ],
    maybe: hasDigit,
    verify: (m) => {
      const n = digitsOf(m).length;
      return m.startsWith('+') ? n >= 8 && n <= 15 : n >= 9 && n <= 12;
    },
  },
  card: {
    name: 'card',
    // 13-19 digits, spaces or dashes allowed between them; issuer ranges start with 2-6.
    patterns: [/(?<![\w-])[2-6]\d(?:[ -]?\d){11,17}(?![\w-]?\d)/g],
    maybe: hasDigit,
    verify: (m) => {
      const d = digitsOf(m);
      return d.length >= 13 && d.length <= 19 && luhnValid(d);
    },
  },
  iban: {
    name: 'iban',
    // Upper-case country code, two check digits, then 11-30 letters or digits, grouped by four or not.
    patterns: [/(?<![\w])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![\w])/g],
    maybe: hasDigit,
    verify: ibanValid,
  },
  api_key: {
    name: 'api_key',
    patterns: [
      // OpenAI / Anthropic (sk-, sk-proj-, sk-ant-…), Loupe's own keys (lp_), Stripe, GitHub, Slack, Google, AWS key ids.
      /(?<![\w-])(?:sk-[A-Za-z0-9_-]{20,}|lp_[A-Za-z0-9_-]{20,}|(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,}|xox[abposr]-[A-Za-z0-9-]{10,}|AIza[A-Za-z0-9_-]{35}|(?:AKIA|ASIA)[A-Z0-9]{16})(?![\w-])/g,
      // JSON Web Tokens: three base64url parts, the first two JSON objects ("eyJ").
      /(?<![\w-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
    ],
  },
  // (Separate from api_key only to run without a look-behind, five times faster; counted as api_key.)
  bearer: {
    name: 'api_key',
    // The credential after "Bearer " (the word itself is kept, so the text still reads).
    patterns: [/\b[Bb]earer[ \t]{1,4}([A-Za-z0-9._~+/-]{16,}=*)/g],
    maskGroup: true,
  },
  token: {
    name: 'token',
    // A run of 32-256 token characters ([A-Za-z0-9_+/=-]); longer runs (base64 blobs) are not
    // tokens. Scanned by hand: twice as fast as the regex, which tries every position.
    patterns: [],
    maybe: (s) => s.length >= 32,
    scan: tokenRuns,
    verify: looksRandom,
  },
};

for (const n of BUILTIN_NAMES) BUILTIN_DETECTORS[n].push(BUILTINS[n]);
BUILTIN_DETECTORS.api_key.push(BUILTINS.bearer);
