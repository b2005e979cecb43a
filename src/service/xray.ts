import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';

/**
 * The X-Ray daemon image used when `xrayDaemonImage` is not given: a released version (the
 * daemon's release workflow pushes `public.ecr.aws/xray/aws-xray-daemon:<version>`, next to the
 * moving `latest` and `3.x`; v3.6.6 was released on 2026-07-14), so tasks never change under you.
 */
const DEFAULT_XRAY_DAEMON_IMAGE = 'public.ecr.aws/xray/aws-xray-daemon:3.6.6';

/** Port of the X-Ray daemon sidecar (UDP). */
export const XRAY_DAEMON_PORT = 2000;

/** CPU units and memory (MiB) the X-Ray daemon sidecar reserves. */
export const XRAY_CPU = 32;
export const XRAY_MEMORY_RESERVATION_MIB = 256;

/** Name of the X-Ray daemon sidecar's container (and its construct id and log stream prefix). */
export const XRAY_CONTAINER_NAME = 'xray-daemon';

/**
 * Adds the X-Ray daemon sidecar (not essential: tracing never takes the application down) and the
 * X-Ray write permissions to the task role.
 */
export function addXrayDaemon(taskDefinition: ecs.FargateTaskDefinition, logGroup: logs.ILogGroup, image?: ecs.ContainerImage): void {
  taskDefinition.addContainer(XRAY_CONTAINER_NAME, {
    containerName: XRAY_CONTAINER_NAME,
    image: image ?? ecs.ContainerImage.fromRegistry(DEFAULT_XRAY_DAEMON_IMAGE),
    // Tracing must never take the application down: the daemon is not essential.
    essential: false,
    cpu: XRAY_CPU,
    memoryReservationMiB: XRAY_MEMORY_RESERVATION_MIB,
    portMappings: [{ containerPort: XRAY_DAEMON_PORT, protocol: ecs.Protocol.UDP }],
    logging: ecs.LogDrivers.awsLogs({ logGroup: logGroup, streamPrefix: XRAY_CONTAINER_NAME }),
  });
  // X-Ray's write APIs have no resource-level permissions: '*' is the only valid resource.
  taskDefinition.addToTaskRolePolicy(new iam.PolicyStatement({
    actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets', 'xray:GetSamplingStatisticSummaries'],
    resources: ['*'],
  }));
}
