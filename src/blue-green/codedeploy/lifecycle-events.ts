import * as ecs from 'aws-cdk-lib/aws-ecs';
import { EnvironmentHooks } from '../hooks';

/** AppSpec lifecycle event names, in the order CodeDeploy runs them. */
export const LIFECYCLE_EVENTS: ReadonlyArray<[keyof EnvironmentHooks, string]> = [
  ['beforeInstall', 'BeforeInstall'],
  ['afterInstall', 'AfterInstall'],
  ['afterAllowTestTraffic', 'AfterAllowTestTraffic'],
  ['beforeAllowTraffic', 'BeforeAllowTraffic'],
  ['afterAllowTraffic', 'AfterAllowTraffic'],
];

/** The AppSpec `Hooks` section: lifecycle event -> function ARN, for the hooks that are set. */
export function appSpecHooks(hooks: EnvironmentHooks): { [lifecycleEvent: string]: string } {
  const out: { [lifecycleEvent: string]: string } = {};
  for (const [key, event] of LIFECYCLE_EVENTS) {
    const fn = hooks[key];
    if (fn) { out[event] = fn.functionArn; }
  }
  return out;
}

/**
 * What the image build writes an environment's AppSpec from besides its container and port
 * (`build-scripts/image-build/image_build.py`, `render_appspec`): the hooks as
 * `[lifecycle event, function ARN]` pairs in lifecycle order, and the service's capacity provider
 * strategy, because CodeDeploy removes the strategy from the service when the AppSpec omits it
 * (aws/containers-roadmap#1752).
 */
export function appSpecBuildData(hooks: EnvironmentHooks, strategies: ecs.CapacityProviderStrategy[]): { [key: string]: unknown } {
  return {
    hooks: LIFECYCLE_EVENTS.filter(([key]) => hooks[key] !== undefined).map(([key, event]) => [event, hooks[key]!.functionArn]),
    capacityProviderStrategy: strategies.map(strategy => ({
      capacityProvider: strategy.capacityProvider,
      base: strategy.base ?? 0,
      weight: strategy.weight ?? 0,
    })),
  };
}
