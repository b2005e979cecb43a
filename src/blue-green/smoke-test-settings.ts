import { Duration, Token } from 'aws-cdk-lib';
import { SmokeTestOptions } from './smoke-test-options';
import { validateDuration, validateHttpPath, validateInteger, validatePattern } from '../private/validation';

/** Pause between two smoke test requests. */
export const SMOKE_TEST_INTERVAL = Duration.seconds(1);

/** Lambda's maximum function timeout. */
const LAMBDA_MAX_TIMEOUT_SECONDS = 900;

/**
 * Timeout of the smoke test function: every attempt may use its full timeout plus the interval,
 * and 30 s more cover the load balancer IP lookup and the report to CodeDeploy.
 */
export function smokeTestFunctionTimeoutSeconds(attempts: number, timeout: Duration): number {
  return Math.ceil(attempts * (timeout.toSeconds() + SMOKE_TEST_INTERVAL.toSeconds())) + 30;
}

/**
 * Validates the smoke test settings; shared by the service (prefix `smokeTestOptions.`, or
 * `environments[i].smokeTestOptions.` in a pipeline) and `SmokeTest` used alone (no prefix).
 */
export function validateSmokeTestOptions(prefix: string, options: SmokeTestOptions): void {
  validateHttpPath(`${prefix}path`, options.path);
  validatePattern(`${prefix}expectedStatus`, options.expectedStatus, /^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$/,
    'must be HTTP codes or ranges separated by commas, e.g. \'200\' or \'200-299,301\'');
  validateInteger(`${prefix}attempts`, options.attempts, 1, 100);
  validateDuration(`${prefix}timeout`, options.timeout, Duration.seconds(1), Duration.seconds(60), 'seconds');
  const attempts = options.attempts ?? 5;
  const timeout = options.timeout ?? Duration.seconds(5);
  if (Token.isUnresolved(attempts) || timeout.isUnresolved()) { return; }
  const functionTimeout = smokeTestFunctionTimeoutSeconds(attempts, timeout);
  if (functionTimeout > LAMBDA_MAX_TIMEOUT_SECONDS) {
    throw new Error(`${prefix}attempts (${attempts}) and ${prefix}timeout (${timeout.toHumanString()}) need a smoke test function timeout of ${functionTimeout} seconds `
      + `(attempts x (timeout + ${SMOKE_TEST_INTERVAL.toSeconds()} s pause) + 30 s), above Lambda's ${LAMBDA_MAX_TIMEOUT_SECONDS}-second limit; lower attempts or timeout`);
  }
}
