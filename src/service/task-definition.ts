import { RemovalPolicy } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { addAdditionalContainers } from './additional-containers';
import { BlueGreenFargateServiceProps } from './service-props';
import { ResolvedServiceSettings } from './settings';
import { addXrayDaemon, XRAY_DAEMON_PORT } from './xray';
import { bootstrapContainer, commandlessBootstrapImage } from '../private/bootstrap';
import { acknowledgeWildcards } from '../private/nag';

/** The task definition, its application container and log group, and the X-Ray sidecar. */
export interface ServiceTask {
  readonly logGroup: logs.ILogGroup;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;
  /** The `additionalContainers`, in order. */
  readonly additionalContainers: ecs.ContainerDefinition[];
  /** The containers that start with a bootstrap image: the pipeline delivers their images. */
  readonly deliveredContainers: ecs.ContainerDefinition[];
}

/**
 * Creates, in `scope` (the service: same ids, same logical IDs), the log group, the Fargate task
 * definition with the application container (the bootstrap image unless `image` is given) and,
 * unless `xray` is false, the X-Ray daemon sidecar, then the `additionalContainers` (bootstrap images
 * too: the pipeline's deployments bring their images).
 *
 * `deploysImagesOnly` (the engine's deployments keep the task definition and replace images): the
 * bootstrap is an image that needs no command (built from this package's
 * `build-scripts/bootstrap-image/` by `cdk deploy`), and each container carries its real command
 * from the start, because every deployed revision inherits it.
 */
export function createServiceTask(scope: Construct, props: BlueGreenFargateServiceProps, s: ResolvedServiceSettings,
  deploysImagesOnly = false): ServiceTask {
  const logGroup = new logs.LogGroup(scope, 'LogGroup', {
    retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    encryptionKey: props.logEncryptionKey,
    removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
  });
  const taskDefinition = new ecs.FargateTaskDefinition(scope, 'TaskDefinition', {
    cpu: s.cpu,
    memoryLimitMiB: s.memoryLimitMiB,
    runtimePlatform: {
      cpuArchitecture: props.cpuArchitecture ?? ecs.CpuArchitecture.X86_64,
      operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
    },
  });
  const bootstrap = props.image || deploysImagesOnly ? undefined : bootstrapContainer(s.containerPort, s.healthCheckPath, props.command);
  const image = props.image ?? bootstrap?.image ?? commandlessBootstrapImage(s.containerPort, s.healthCheckPath, props.cpuArchitecture);
  const container = taskDefinition.addContainer(s.containerName, {
    containerName: s.containerName,
    image,
    dockerLabels: bootstrap?.dockerLabels,
    essential: true,
    portMappings: [{ containerPort: s.containerPort, protocol: ecs.Protocol.TCP }],
    environment: {
      ...(s.xray ? { AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${XRAY_DAEMON_PORT}` } : {}),
      ...props.environment,
    },
    secrets: props.secrets,
    command: bootstrap?.command ?? props.command,
    healthCheck: props.containerHealthCheck,
    logging: ecs.LogDrivers.awsLogs({ logGroup: logGroup, streamPrefix: s.containerName }),
  });
  if (s.xray) {
    addXrayDaemon(taskDefinition, logGroup, props.xrayDaemonImage);
  }
  const additionalContainers = addAdditionalContainers(taskDefinition, logGroup, props.additionalContainers ?? [],
    s.loadBalancerContainerName, s.healthCheckPath, deploysImagesOnly ? props.cpuArchitecture ?? ecs.CpuArchitecture.X86_64 : undefined);
  // Whoever grants this environment's image pulls (`repository.grantPull(service.imagePuller)`, as the
  // pipeline does) gives the execution role ecr:GetAuthorizationToken, which has no resource-level
  // permissions. Acknowledged here, once, so every way of granting the pull passes cdk-nag.
  acknowledgeWildcards(taskDefinition.obtainExecutionRole(),
    'ecr:GetAuthorizationToken supports no resource-level permissions (Resource::*).', ['Resource::\\*']);
  const delivered = props.image ? additionalContainers : [container, ...additionalContainers];
  return { logGroup, taskDefinition, container, additionalContainers, deliveredContainers: delivered };
}
