import { Aspects, Duration, PhysicalName } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { DependOnCapacityProviderAssociations } from './capacity';
import { ServiceCluster } from './cluster';
import { LoadBalancerPair } from './load-balancer';
import { ResolvedServiceSettings } from './settings';
import { ServiceTask } from './task-definition';
import type { BlueGreenServiceConfig } from '../blue-green/engine';

/** What {@link createFargateService} needs. */
export interface FargateServiceProps {
  readonly environmentName: string;
  /** The VPC, the cluster and the capacity provider strategy. */
  readonly network: ServiceCluster;
  readonly task: ServiceTask;
  /** The service joins the blue target group, reachable from the load balancer's security group only. */
  readonly pair: LoadBalancerPair;
  /** The engine's service settings (deployment controller, strategy, alternate target). */
  readonly blueGreen: BlueGreenServiceConfig;
  /** The container the load balancer targets, and its port. */
  readonly settings: Pick<ResolvedServiceSettings, 'loadBalancerContainerName' | 'loadBalancerContainerPort'>;
}

/**
 * The Fargate service (construct ids `ServiceSecurityGroup` and `Service` in `scope`), registered in
 * the blue target group and reachable on the container port from the load balancer only.
 */
export function createFargateService(scope: Construct, props: FargateServiceProps): ecs.FargateService {
  const { vpc, cluster, capacityProviderStrategies } = props.network;
  const albSecurityGroup = props.pair.securityGroup;
  const containerPort = props.settings.loadBalancerContainerPort;
  const serviceSecurityGroup = new ec2.SecurityGroup(scope, 'ServiceSecurityGroup', {
    vpc,
    description: `Tasks of ${props.environmentName}: reachable only from the load balancer`,
    allowAllOutbound: true,
  });
  const service = new ecs.FargateService(scope, 'Service', {
    cluster,
    taskDefinition: props.task.taskDefinition,
    // No DesiredCount: the scalable target below owns the count. With a DesiredCount in the
    // template, every later update of the service (CloudFormation sends the whole property set)
    // resets a scaled-out service to it (aws-cdk issue 3919). aws-cdk-lib's FargateService writes
    // `desiredCount: undefined` as an absent DesiredCount whatever the feature flags say (the
    // flag @aws-cdk/aws-ecs-patterns:removeDefaultDesiredCount only concerns aws-ecs-patterns).
    // Without DesiredCount CloudFormation creates the service with 1 task and leaves the count
    // alone on updates (aws-cdk PR 13130, which made the same change in ecs-patterns behind that
    // flag); RegisterScalableTarget then moves the count into [minCapacity, maxCapacity]
    // (Application Auto Scaling API reference, RegisterScalableTarget).
    desiredCount: undefined,
    // Generated only when a pipeline in another account or region names it (its ECS deploy action);
    // otherwise the template is unchanged.
    serviceName: PhysicalName.GENERATE_IF_NEEDED,
    deploymentController: props.blueGreen.deploymentController,
    deploymentStrategy: props.blueGreen.deploymentStrategy,
    bakeTime: props.blueGreen.bakeTime,
    canaryConfiguration: props.blueGreen.canaryConfiguration,
    linearConfiguration: props.blueGreen.linearConfiguration,
    circuitBreaker: props.blueGreen.circuitBreaker,
    capacityProviderStrategies,
    securityGroups: [serviceSecurityGroup],
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    assignPublicIp: false,
    minHealthyPercent: 100,
    maxHealthyPercent: 200,
    propagateTags: ecs.PropagatedTagSource.SERVICE,
    healthCheckGracePeriod: Duration.seconds(60),
  });
  if (cluster instanceof ecs.Cluster) {
    // The service uses the cluster's capacity providers, so it must be deleted before their
    // association, or CloudFormation fails with "capacity provider is in use". aws-cdk-lib creates
    // the AWS::ECS::ClusterCapacityProviderAssociations in an aspect at synthesis
    // (MaybeCreateCapacityProviderAssociations in aws-ecs/lib/cluster.js); this aspect, of lower
    // priority, runs after it on the cluster's new child.
    Aspects.of(cluster).add(new DependOnCapacityProviderAssociations(service.node.defaultChild as ecs.CfnService));
  }
  // One target for every engine: the load-balanced container, named (attachToApplicationTargetGroup
  // would take the task definition's default container, aws-ecs base-service.js:
  // defaultLoadBalancerTarget), plus the alternate target group and listener rules when the engine
  // shifts traffic itself (ECS-native).
  service.loadBalancerTarget({
    containerName: props.settings.loadBalancerContainerName,
    containerPort,
    alternateTarget: props.blueGreen.alternateTarget,
  }).attachToApplicationTargetGroup(props.pair.blueTargetGroup);
  // The green task set registers in the other target group: the same tasks' port must be open.
  serviceSecurityGroup.addIngressRule(albSecurityGroup, ec2.Port.tcp(containerPort), 'Load balancer to tasks');
  albSecurityGroup.addEgressRule(serviceSecurityGroup, ec2.Port.tcp(containerPort), 'Load balancer to tasks');
  return service;
}
