import { EnvironmentHooks } from './hooks';

/** AppSpec lifecycle event names, in the order CodeDeploy runs them. */
export const LIFECYCLE_EVENTS: ReadonlyArray<[keyof EnvironmentHooks, string]> = [
  ['beforeInstall', 'BeforeInstall'],
  ['afterInstall', 'AfterInstall'],
  ['afterAllowTestTraffic', 'AfterAllowTestTraffic'],
  ['beforeAllowTraffic', 'BeforeAllowTraffic'],
  ['afterAllowTraffic', 'AfterAllowTraffic'],
];
