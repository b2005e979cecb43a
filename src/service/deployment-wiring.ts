import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { createDeploymentAlarms } from './alarms';
import { ServiceCluster } from './cluster';
import { wireHooks } from './hook-wiring';
import { LoadBalancerPair } from './load-balancer';
import { BlueGreenFargateServiceProps } from './service-props';
import { NON_PRODUCTION_TERMINATION_WAIT, ResolvedServiceSettings } from './settings';
import { ServiceTask } from './task-definition';
import { BlueGreenDeployment } from '../blue-green/blue-green-deployment';
import { BlueGreenServiceConfig, IBlueGreenDeploymentTarget } from '../blue-green/engine';
import { EnvironmentHooks } from '../blue-green/hooks';
import { SmokeTest } from '../blue-green/smoke-test';
import { TrafficShifting } from '../blue-green/traffic-shifting';

/** The parts of one environment its deployments are wired to. */
export interface DeploymentWiringProps {
  readonly environmentName: string;
  readonly props: BlueGreenFargateServiceProps;
  readonly settings: ResolvedServiceSettings;
  readonly blueGreen: BlueGreenDeployment;
  readonly trafficShifting: TrafficShifting;
  readonly service: ecs.FargateService;
  /** The VPC (the smoke test runs in it) and the capacity provider strategy. */
  readonly network: ServiceCluster;
  readonly task: ServiceTask;
  readonly pair: LoadBalancerPair;
}

/** What the wiring created. */
export interface DeploymentWiring {
  readonly alarms: cloudwatch.IAlarm[];
  readonly hooks: EnvironmentHooks;
  readonly smokeTest?: SmokeTest;
  readonly deploymentTarget: IBlueGreenDeploymentTarget;
}

/** What {@link configureEngine} needs. */
export interface EngineConfigurationProps {
  readonly environmentName: string;
  readonly pair: LoadBalancerPair;
  readonly trafficShifting: TrafficShifting;
  readonly settings: Pick<ResolvedServiceSettings, 'terminationWaitTime'>;
}

/**
 * The engine's service settings (deployment controller, strategy, alternate target), asked before
 * the service exists; resources the engine needs for them (listener rules) are created in `scope`.
 */
export function configureEngine(scope: Construct, blueGreen: BlueGreenDeployment, c: EngineConfigurationProps): BlueGreenServiceConfig {
  return blueGreen.configureService(scope, {
    environmentName: c.environmentName,
    productionListener: c.pair.productionListener,
    testListener: c.pair.testListener,
    blueTargetGroup: c.pair.blueTargetGroup,
    greenTargetGroup: c.pair.greenTargetGroup,
    trafficShifting: c.trafficShifting,
    terminationWaitTime: c.settings.terminationWaitTime,
  });
}

/**
 * The deployment side of an environment, created in `scope` (the service: same ids, same logical
 * IDs): the rollback alarms, the built-in smoke test and the user's hooks, then the engine bound to
 * all of it (controller wiring, hooks, rollback).
 */
export function wireDeployment(scope: Construct, w: DeploymentWiringProps): DeploymentWiring {
  const s = w.settings;
  const pair = w.pair;
  const alarms = createDeploymentAlarms(scope, {
    environmentName: w.environmentName,
    blueTargetGroup: pair.blueTargetGroup,
    greenTargetGroup: pair.greenTargetGroup,
    loadBalancer: pair.loadBalancer,
    http5xxThreshold: s.http5xxThreshold,
    responseTime: s.targetResponseTimeThreshold,
  });
  const wired = wireHooks(scope, w.props, s,
    { vpc: w.network.vpc, loadBalancer: pair.loadBalancer, loadBalancerSecurityGroup: pair.securityGroup, protocol: pair.protocol });
  const deploymentTarget = w.blueGreen.bind(scope, {
    environmentName: w.environmentName,
    service: w.service,
    taskDefinition: w.task.taskDefinition,
    productionListener: pair.productionListener,
    testListener: pair.testListener,
    blueTargetGroup: pair.blueTargetGroup,
    greenTargetGroup: pair.greenTargetGroup,
    alarms: [...alarms, ...(w.props.deploymentAlarms ?? [])],
    hooks: wired.hooks,
    trafficShifting: w.trafficShifting,
    terminationWaitTime: s.terminationWaitTime,
    rollbackAlarmWindow: NON_PRODUCTION_TERMINATION_WAIT,
    deliveredContainers: w.task.deliveredContainers,
    manualRerouteTimeout: w.props.manualRerouteTimeout,
    capacityProviderStrategies: w.network.capacityProviderStrategies,
  });
  return { alarms, hooks: wired.hooks, smokeTest: wired.smokeTest, deploymentTarget };
}
