/**
 * The one check every options object of every package goes through at construction, so that a
 * misspelled or unset option stops the program instead of silently turning a check off: unknown
 * names (with the closest known one as a suggestion), values present but `undefined` where the
 * value decides what is verified (an unset environment variable), and wrong types. Owns no
 * knowledge of any option's meaning beyond its rule; imports only errors.ts.
 */
import { configError } from './errors.js';

/**
 * One rule: the accepted types separated by `|` (`string`, `number`, `boolean`, `function`,
 * `object`, `array`, `false`, `true`, `any`), prefixed with `!` when an option that is present
 * must not be `undefined` (its value decides what is checked: an issuer, an audience, a key).
 * @example { issuer: '!string|array|false', realm: 'string' }
 */
export type OptionRule = string;

/** The rules of one options object, by option name. */
export type OptionRules = Readonly<Record<string, OptionRule>>;

interface Compiled {
  types: readonly string[];
  defined: boolean;
}

const compiledRules = new WeakMap<OptionRules, Map<string, Compiled>>();
const KINDS = new Set(['string', 'number', 'boolean', 'function', 'object', 'array', 'false', 'true', 'any']);

function compile(rules: OptionRules): Map<string, Compiled> {
  let map = compiledRules.get(rules);
  if (map !== undefined) return map;
  map = new Map();
  for (const [name, rule] of Object.entries(rules)) {
    const defined = rule.startsWith('!');
    const types = (defined ? rule.slice(1) : rule).split('|');
    for (const t of types) if (!KINDS.has(t)) throw configError(`option rule for ${name}: unknown type ${t}`);
    map.set(name, { types, defined });
  }
  compiledRules.set(rules, map);
  return map;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function matches(value: unknown, type: string): boolean {
  switch (type) {
    case 'any':
      return true;
    case 'false':
      return value === false;
    case 'true':
      return value === true;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    default:
      return typeof value === type;
  }
}

function describe(types: readonly string[]): string {
  const words = types.map((t) => (t === 'false' || t === 'true' ? t : t === 'array' || t === 'object' ? `an ${t}` : `a ${t}`));
  return words.length === 1 ? words[0]! : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]!}`;
}

/** Levenshtein distance, case-insensitive: `expiresin` is one step from `expiresIn`, not two. */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, i) => i);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[y.length]!;
}

/** The known name closest to `name`, when it is close enough to be a likely typo. */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = distance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  // A third of the name (at least 2 edits) catches `audiance`, `expiresin`, `headerName` vs
  // `header`... without suggesting an unrelated option for a name that is simply foreign.
  return best !== undefined && bestDistance <= Math.max(2, Math.ceil(name.length / 3)) ? best : undefined;
}

/** Names other JWT libraries use for an option, mapped to ours: no edit distance finds these. */
const FOREIGN_NAMES: Readonly<Record<string, string>> = {
  secret: 'key',
  secretOrPublicKey: 'key',
  secretOrPrivateKey: 'key',
  publicKey: 'key',
  privateKey: 'key',
  alg: 'algorithms',
  iss: 'issuer',
  aud: 'audience',
  sub: 'subject',
  exp: 'expiresIn',
  credentialsRequired: 'optional',
};

function shown(name: string): string {
  return JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}...` : name);
}

/**
 * Checks an options object against its rules and throws ERR_CONFIG_INVALID naming the first
 * problem: not an object, an unknown option (with the closest known name), a value present but
 * `undefined` where the rule needs one, or a value of the wrong type. For adapter authors: check
 * the whole options object once, with the core's rules spread into your own.
 * @example assertOptions(options, { ...AUTHENTICATOR_OPTIONS, onError: 'function' }, 'jwt()')
 */
export function assertOptions(options: unknown, rules: OptionRules, where: string): asserts options is object {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw configError(`${where} needs an options object`);
  const compiled = compile(rules);
  for (const name of Object.keys(options)) {
    const rule = compiled.get(name);
    if (rule === undefined) {
      const foreign = Object.hasOwn(FOREIGN_NAMES, name) ? FOREIGN_NAMES[name] : undefined;
      const suggestion = foreign !== undefined && compiled.has(foreign) ? foreign : closestName(name, compiled.keys());
      throw configError(`${where}: unknown option ${shown(name)}${suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`}`);
    }
    const value = (options as Record<string, unknown>)[name];
    if (value === undefined) {
      if (rule.defined) {
        const fix = rule.types.includes('false') ? `, or pass ${name}: false to turn its check off explicitly` : ', or leave it out';
        throw configError(`${where}: ${name} is undefined (is an environment variable unset?); set it${fix}`);
      }
      continue;
    }
    if (!rule.types.some((t) => matches(value, t))) {
      throw configError(`${where}: ${name} must be ${describe(rule.types)}, not ${kindOf(value)}`);
    }
  }
}
