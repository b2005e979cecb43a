import { Duration, Token } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import { resolveAdditionalContainers } from './additional-containers';
import { ContainerOptions } from './container-options';
import { DeploymentEnvironmentOptions } from './options';
import { XRAY_CONTAINER_NAME, XRAY_DAEMON_PORT } from './xray';
import { validateSmokeTestOptions } from '../blue-green/smoke-test-settings';
import {
  validateCidr, validateDomainName, validateDuration, validateFargateSize, validateHttpPath, validateInteger, validatePattern, validatePort,
  validateRange,
} from '../private/validation';


/** Period of the built-in deployment alarms (the ALB publishes its metrics per minute). */
export const ALARM_PERIOD = Duration.minutes(1);

/** Evaluation periods of the built-in deployment alarms. */
export const ALARM_EVALUATION_PERIODS = { http5xx: 1, unhealthyHosts: 2, targetResponseTime: 3 } as const;

/**
 * Default wait before the old task set is terminated outside production: the longest built-in
 * alarm window (3 x 1 minute, p99 latency) plus 1 minute for the last datapoint to reach
 * CloudWatch. CodeDeploy watches the alarms until the deployment ends; with a wait of 0 an
 * all-at-once deployment ends at the cutover, before any alarm can evaluate the new version, so
 * rollback on alarm could never fire.
 */
export const NON_PRODUCTION_TERMINATION_WAIT = Duration.minutes(
  Math.max(...Object.values(ALARM_EVALUATION_PERIODS)) * ALARM_PERIOD.toMinutes() + 1);


/** What the settings are resolved from: a service's props or a pipeline environment's. */
export interface ServiceSettingsInput extends ContainerOptions, DeploymentEnvironmentOptions {
  readonly certificate?: acm.ICertificate;
}

/** Settings after defaults, validated. `prefix` names the prop path in messages, e.g. 'environments[2].'. */
export interface ResolvedServiceSettings {
  readonly containerName: string;
  readonly containerPort: number;
  /** The container the load balancer targets (the application's unless `loadBalancerContainerName` names another). */
  readonly loadBalancerContainerName: string;
  /** Its port. */
  readonly loadBalancerContainerPort: number;
  readonly healthCheckPath: string;
  readonly cpu: number;
  readonly memoryLimitMiB: number;
  readonly xray: boolean;
  readonly production: boolean;
  readonly desiredCount: number;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly cpuTargetUtilization: number;
  readonly memoryTargetUtilization: number;
  readonly scaleOutCooldown: Duration;
  readonly scaleInCooldown: Duration;
  readonly productionListenerPort: number;
  readonly testListenerPort: number;
  readonly internetFacing: boolean;
  readonly terminationWaitTime: Duration;
  /** Whether `desiredCount` was given and differs from `minCapacity` (the count the service starts with). */
  readonly desiredCountNotApplied: boolean;
  readonly targetResponseTimeThreshold: Duration;
  readonly http5xxThreshold: number;
}

/**
 * Applies the defaults of DESIGN.md and validates every prop, with messages that name the prop
 * (prefixed by `prefix`), the value and what is allowed.
 */
export function resolveServiceSettings(props: ServiceSettingsInput, prefix: string): ResolvedServiceSettings {
  const p = (name: string) => `${prefix}${name}`;
  const production = props.production ?? false;
  const https = props.certificate !== undefined;

  const containerName = props.containerName ?? 'app';
  validatePattern(p('containerName'), containerName, /^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/, 'must be 1-255 letters, digits, hyphens or underscores, starting with a letter or digit');
  if (containerName === XRAY_CONTAINER_NAME) {
    throw new Error(`${p('containerName')} ('${XRAY_CONTAINER_NAME}') is reserved for the X-Ray sidecar; choose another name`);
  }
  const containerPort = props.containerPort ?? 8080;
  validatePort(p('containerPort'), containerPort);
  const xray = props.xray ?? true;
  if (xray && containerPort === XRAY_DAEMON_PORT) {
    throw new Error(`${p('containerPort')} (${containerPort}) clashes with the X-Ray daemon sidecar port ${XRAY_DAEMON_PORT}; choose another port or set xray: false`);
  }
  const healthCheckPath = props.healthCheckPath ?? '/';
  validateHttpPath(p('healthCheckPath'), healthCheckPath);

  const cpu = props.cpu ?? 256;
  const memoryLimitMiB = props.memoryLimitMiB ?? 512;
  validateFargateSize(prefix, cpu, memoryLimitMiB);
  const containers = resolveAdditionalContainers(prefix, props, {
    containerName, containerPort, cpu, memoryLimitMiB, xrayPort: xray ? XRAY_DAEMON_PORT : undefined,
  });

  validateInteger(p('desiredCount'), props.desiredCount, 1, 5000);
  validateInteger(p('minCapacity'), props.minCapacity, 0, 5000);
  // Production runs 2 tasks by default (1 elsewhere), never more than an explicit maxCapacity.
  const desiredCount = props.desiredCount ?? props.minCapacity ?? Math.min(production ? 2 : 1, props.maxCapacity ?? Infinity);
  const minCapacity = props.minCapacity ?? desiredCount;
  const maxCapacity = props.maxCapacity ?? Math.max(10, desiredCount);
  validateInteger(p('maxCapacity'), maxCapacity, 1, 5000);
  if (!Token.isUnresolved(minCapacity) && !Token.isUnresolved(maxCapacity) && minCapacity > maxCapacity) {
    throw new Error(`${p('minCapacity')} (${minCapacity}) must be <= maxCapacity (${maxCapacity})`);
  }
  if (!Token.isUnresolved(desiredCount) && (desiredCount < minCapacity || desiredCount > maxCapacity)) {
    throw new Error(`${p('desiredCount')} (${desiredCount}) must be between minCapacity (${minCapacity}) and maxCapacity (${maxCapacity})`);
  }
  const cpuTargetUtilization = props.cpuTargetUtilization ?? 70;
  validateRange(p('cpuTargetUtilization'), cpuTargetUtilization, 1, 100);
  const memoryTargetUtilization = props.memoryTargetUtilization ?? 80;
  validateRange(p('memoryTargetUtilization'), memoryTargetUtilization, 1, 100);
  validateInteger(p('requestsPerTarget'), props.requestsPerTarget, 1, 1_000_000);
  const scaleOutCooldown = props.scaleOutCooldown ?? Duration.seconds(60);
  const scaleInCooldown = props.scaleInCooldown ?? Duration.seconds(300);
  validateDuration(p('scaleOutCooldown'), scaleOutCooldown, Duration.seconds(0), Duration.days(1), 'seconds');
  validateDuration(p('scaleInCooldown'), scaleInCooldown, Duration.seconds(0), Duration.days(1), 'seconds');
  const scheduleNames = new Set<string>();
  (props.scheduledScaling ?? []).forEach((action, i) => {
    validatePattern(p(`scheduledScaling[${i}].name`), action.name, /^[A-Za-z0-9]{1,64}$/, 'must be 1-64 letters or digits');
    if (scheduleNames.has(action.name)) {
      throw new Error(`${p(`scheduledScaling[${i}].name`)} ('${action.name}') is used twice; names must be unique`);
    }
    scheduleNames.add(action.name);
    if (action.minCapacity === undefined && action.maxCapacity === undefined) {
      throw new Error(`${p(`scheduledScaling[${i}]`)} ('${action.name}') must set minCapacity, maxCapacity or both`);
    }
    validateInteger(p(`scheduledScaling[${i}].minCapacity`), action.minCapacity, 0, 5000);
    validateInteger(p(`scheduledScaling[${i}].maxCapacity`), action.maxCapacity, 0, 5000);
    if (action.minCapacity !== undefined && action.maxCapacity !== undefined && action.minCapacity > action.maxCapacity) {
      throw new Error(`${p(`scheduledScaling[${i}].minCapacity`)} (${action.minCapacity}) must be <= maxCapacity (${action.maxCapacity})`);
    }
  });

  const productionListenerPort = props.productionListenerPort ?? (https ? 443 : 80);
  validatePort(p('productionListenerPort'), productionListenerPort);
  const testListenerPort = props.testListenerPort ?? (https ? 8443 : 8080);
  validatePort(p('testListenerPort'), testListenerPort);
  if (productionListenerPort === testListenerPort) {
    throw new Error(`${p('testListenerPort')} (${testListenerPort}) must differ from productionListenerPort (${productionListenerPort})`);
  }
  if (https && productionListenerPort !== 80 && testListenerPort === 80) {
    throw new Error(`${p('testListenerPort')} (80) is taken by the HTTP to HTTPS redirect listener; choose another port`);
  }
  (props.productionListenerAllowedCidrs ?? []).forEach((c, i) => validateCidr(p(`productionListenerAllowedCidrs[${i}]`), c));
  (props.testListenerAllowedCidrs ?? []).forEach((c, i) => validateCidr(p(`testListenerAllowedCidrs[${i}]`), c));

  const terminationWaitTime = props.terminationWaitTime ?? (production ? Duration.minutes(5) : NON_PRODUCTION_TERMINATION_WAIT);
  validateDuration(p('terminationWaitTime'), terminationWaitTime, Duration.minutes(0), Duration.minutes(2880), 'minutes');

  // CodeDeploy documents no range for DeploymentReadyOption.waitTimeInMinutes; 2 days is the limit it
  // documents for the other wait of the same configuration (BlueInstanceTerminationOption).
  validateDuration(p('manualRerouteTimeout'), props.manualRerouteTimeout, Duration.minutes(1), Duration.minutes(2880), 'minutes');

  if (props.hostedZone && props.domainName === undefined) {
    throw new Error(`${p('hostedZone')} (${props.hostedZone.node.path}) is set but ${p('domainName')} is not; set the DNS name the alias record should have`);
  }
  validateDomainName(p('domainName'), props.domainName);
  const zoneName = props.hostedZone?.zoneName.replace(/\.$/, '');
  if (props.domainName && zoneName && !Token.isUnresolved(zoneName) && !Token.isUnresolved(props.domainName)) {
    const name = props.domainName.toLowerCase();
    const zone = zoneName.toLowerCase();
    if (name !== zone && !name.endsWith(`.${zone}`)) {
      throw new Error(`${p('domainName')} ('${props.domainName}') is not in ${p('hostedZone')} ('${zoneName}'); use a name in the zone or another zone`);
    }
  }
  const targetResponseTimeThreshold = props.targetResponseTimeThreshold ?? Duration.seconds(2);
  const responseMs = targetResponseTimeThreshold.isUnresolved() ? undefined : targetResponseTimeThreshold.toMilliseconds();
  if (responseMs !== undefined && (responseMs < 1 || responseMs > 60_000)) {
    throw new Error(`${p('targetResponseTimeThreshold')} (${targetResponseTimeThreshold.toHumanString()}) must be between 1 millisecond and 60 seconds`);
  }
  const http5xxThreshold = props.http5xxThreshold ?? 5;
  validateInteger(p('http5xxThreshold'), http5xxThreshold, 1, 1_000_000);
  validateSmokeTestOptions(p('smokeTestOptions.'), props.smokeTestOptions ?? {});

  return {
    containerName,
    containerPort,
    ...containers,
    healthCheckPath,
    cpu,
    memoryLimitMiB,
    xray,
    production,
    desiredCount,
    minCapacity,
    maxCapacity,
    cpuTargetUtilization,
    memoryTargetUtilization,
    scaleOutCooldown,
    scaleInCooldown,
    productionListenerPort,
    testListenerPort,
    internetFacing: props.internetFacing ?? true,
    terminationWaitTime,
    desiredCountNotApplied: props.desiredCount !== undefined && !Token.isUnresolved(props.desiredCount) && props.desiredCount !== minCapacity,
    targetResponseTimeThreshold,
    http5xxThreshold,
  };
}
