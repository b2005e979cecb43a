import { Annotations, PhysicalName } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { defaultCapacityProviderStrategy } from './capacity';
import { BlueGreenFargateServiceProps } from './service-props';
import { ResolvedServiceSettings } from './settings';
import { createDefaultVpc } from '../private/vpc';

/** The VPC, the cluster and the capacity-provider strategy of an environment's service. */
export interface ServiceCluster {
  readonly vpc: ec2.IVpc;
  readonly cluster: ecs.ICluster;
  readonly capacityProviderStrategies: ecs.CapacityProviderStrategy[];
}

/**
 * The given cluster (and its VPC), else the given or a new VPC with a new cluster whose default
 * capacity-provider strategy is the service's. Warns about network props a given cluster or VPC makes moot.
 */
export function createServiceCluster(scope: Construct, props: BlueGreenFargateServiceProps, s: ResolvedServiceSettings): ServiceCluster {
  if (props.cluster && props.vpc) {
    Annotations.of(scope).addWarningV2('cdk-ecs-cicd-pipeline:vpcIgnored', 'vpc is ignored because cluster is given: the cluster\'s VPC is used');
  }
  if ((props.cluster || props.vpc) && props.natGateways !== undefined) {
    Annotations.of(scope).addWarningV2('cdk-ecs-cicd-pipeline:natGatewaysIgnored', `natGateways (${props.natGateways}) is ignored because a vpc or cluster is given`);
  }
  if ((props.cluster || props.vpc) && props.vpcEndpoints !== undefined) {
    Annotations.of(scope).addWarningV2('cdk-ecs-cicd-pipeline:vpcEndpointsIgnored', `vpcEndpoints (${props.vpcEndpoints}) is ignored because a vpc or cluster is given`);
  }
  const vpc = props.cluster?.vpc ?? props.vpc
    ?? createDefaultVpc(scope, 'Vpc', props.natGateways ?? (s.production ? 2 : 1), props.vpcEndpoints);
  const cluster = props.cluster ?? new ecs.Cluster(scope, 'Cluster', {
    vpc,
    // Generated only when a pipeline in another account or region names it (its ECS deploy action).
    clusterName: PhysicalName.GENERATE_IF_NEEDED,
    containerInsightsV2: ecs.ContainerInsights.ENABLED,
    enableFargateCapacityProviders: true,
  });
  const capacityProviderStrategies = props.capacityProviderStrategies ?? defaultCapacityProviderStrategy(s.production);
  if (cluster instanceof ecs.Cluster && !props.cluster) {
    cluster.addDefaultCapacityProviderStrategy(capacityProviderStrategies);
  }
  return { vpc, cluster, capacityProviderStrategies };
}
