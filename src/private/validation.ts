import { isIPv4, isIPv6 } from 'net';
import { Duration, Token } from 'aws-cdk-lib';

/**
 * Synth-time validation helpers. Every message names the prop, the value received and what is
 * allowed, e.g. `environments[2].minCapacity (5) must be <= maxCapacity (3)`.
 * Unresolved tokens are skipped: their value is only known at deploy time.
 */

/** Throws unless `value` is an integer within [min, max]. */
export function validateInteger(prop: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined || Token.isUnresolved(value)) { return; }
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${prop} (${value}) must be an integer between ${min} and ${max}`);
  }
}

/** Throws unless `value` is a number within [min, max]. */
export function validateRange(prop: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined || Token.isUnresolved(value)) { return; }
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(`${prop} (${value}) must be between ${min} and ${max}`);
  }
}

/** Throws unless `value` is a TCP port. */
export function validatePort(prop: string, value: number | undefined): void {
  validateInteger(prop, value, 1, 65535);
}

/** Throws unless the duration lies within [min, max] (both inclusive), in whole `unit`s. */
export function validateDuration(prop: string, value: Duration | undefined, min: Duration, max: Duration, unit: 'seconds' | 'minutes'): void {
  if (value === undefined || value.isUnresolved()) { return; }
  const ms = value.toMilliseconds();
  const whole = unit === 'minutes' ? ms % 60_000 === 0 : ms % 1000 === 0;
  if (!whole || ms < min.toMilliseconds() || ms > max.toMilliseconds()) {
    throw new Error(`${prop} (${value.toHumanString()}) must be a whole number of ${unit} between ${min.toHumanString()} and ${max.toHumanString()}`);
  }
}

/** Throws unless `value` matches `pattern`; `allowed` describes the pattern for humans. */
export function validatePattern(prop: string, value: string | undefined, pattern: RegExp, allowed: string): void {
  if (value === undefined || Token.isUnresolved(value)) { return; }
  if (!pattern.test(value)) {
    throw new Error(`${prop} ('${value}') ${allowed}`);
  }
}

/** Throws unless every entry is a non-empty string. */
export function validateCommands(prop: string, commands: string[] | undefined): void {
  (commands ?? []).forEach((command, i) => {
    if (Token.isUnresolved(command)) { return; }
    if (typeof command !== 'string' || command.trim() === '') {
      throw new Error(`${prop}[${i}] ('${command}') must be a non-empty shell command`);
    }
  });
}

/** Throws unless the CIDR is a valid IPv4 or IPv6 CIDR block. */
export function validateCidr(prop: string, cidr: string): void {
  if (Token.isUnresolved(cidr)) { return; }
  const [address, mask, ...rest] = String(cidr).split('/');
  const bits = /^\d{1,3}$/.test(mask ?? '') ? Number(mask) : NaN;
  const valid = rest.length === 0 && (
    (isIPv4(address) && bits >= 0 && bits <= 32) || (isIPv6(address) && bits >= 0 && bits <= 128));
  if (!valid) {
    throw new Error(`${prop} ('${cidr}') must be an IPv4 or IPv6 CIDR block such as '10.0.0.0/16' or '::/0'`);
  }
}

/** Valid Fargate task sizes: cpu units -> allowed memory (MiB). */
const FARGATE_MEMORY: { [cpu: number]: number[] } = {
  256: [512, 1024, 2048],
  512: range(1024, 4096, 1024),
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};

/** Throws unless (cpu, memory) is a Fargate task size. */
export function validateFargateSize(prefix: string, cpu: number, memoryLimitMiB: number): void {
  if (Token.isUnresolved(cpu) || Token.isUnresolved(memoryLimitMiB)) { return; }
  const allowedMemory = FARGATE_MEMORY[cpu];
  if (!allowedMemory) {
    throw new Error(`${prefix}cpu (${cpu}) must be one of the Fargate CPU sizes: ${Object.keys(FARGATE_MEMORY).join(', ')}`);
  }
  if (!allowedMemory.includes(memoryLimitMiB)) {
    const lo = allowedMemory[0];
    const hi = allowedMemory[allowedMemory.length - 1];
    const step = allowedMemory.length > 1 ? allowedMemory[1] - allowedMemory[0] : 0;
    const allowed = cpu === 256 ? allowedMemory.join(', ') : `${lo} to ${hi} in steps of ${step}`;
    throw new Error(`${prefix}memoryLimitMiB (${memoryLimitMiB}) is not valid with cpu ${cpu} on Fargate; allowed: ${allowed}`);
  }
}

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) { out.push(v); }
  return out;
}

const DOMAIN_NAME = /^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/i;

/** Throws unless `value` is a fully qualified DNS name (no scheme, port, path or trailing dot). */
export function validateDomainName(prop: string, value: string | undefined): void {
  validatePattern(prop, value, DOMAIN_NAME,
    'must be a fully qualified DNS name such as \'shop.acme.example\' (no scheme, port, path or trailing dot)');
}

/** Whether a listener that admits `cidrs` is open to the whole internet (IPv4 or IPv6). */
export function admitsAnyAddress(cidrs: string[]): boolean {
  return cidrs.some(c => c === '0.0.0.0/0' || c === '::/0');
}

/** Throws unless `value` is an HTTP path: '/' then at most 1023 printable characters, no spaces. */
export function validateHttpPath(prop: string, value: string | undefined): void {
  validatePattern(prop, value, /^\/[\x21-\x7e]{0,1023}$/, 'must start with \'/\' and contain at most 1024 printable characters without spaces');
}
