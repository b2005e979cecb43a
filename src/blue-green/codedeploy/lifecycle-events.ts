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
