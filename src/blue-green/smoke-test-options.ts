import { Duration } from 'aws-cdk-lib';

/** Settings of the built-in smoke test. */
export interface SmokeTestOptions {
  /**
   * Path called on the test listener.
   * @default - the service's `healthCheckPath`
   */
  readonly path?: string;
  /**
   * Status codes that count as healthy: codes and ranges, comma separated, as in ALB matchers.
   * @default '200-299'
   */
  readonly expectedStatus?: string;
  /**
   * How many requests are made; every one must succeed.
   * @default 5
   */
  readonly attempts?: number;
  /**
   * Time limit of each request.
   * @default Duration.seconds(5)
   */
  readonly timeout?: Duration;
}
