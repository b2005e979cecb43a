/**
 * The ECS-native engine's drift guard, one function per stack with two jobs:
 *
 * - Recorder (EventBridge, `ECS Deployment State Change` / SERVICE_DEPLOYMENT_COMPLETED of an
 *   environment's service): reads the images the service's task definition now runs and stores
 *   them, as JSON `{"images": {"<container>": "<image>"}}`, in the environment's SSM parameter.
 *   Images equal to the container's bootstrap image are not recorded.
 * - Custom resource `Custom::EcsImageRecord` (Create/Update): answers `Image.<container>` with the
 *   recorded image, or the bootstrap image when none is recorded, so the task definition
 *   CloudFormation registers runs what the pipeline last deployed. Delete removes the parameter.
 *
 * The custom resource's properties change with every change of the task definition or the
 * service (a fingerprint), so CloudFormation asks again exactly when it is about to register a
 * task definition or update the service.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { URL } from 'node:url';
// The AWS SDK v3 is provided by the Lambda Node.js runtime (not bundled).
// eslint-disable-next-line import/no-extraneous-dependencies
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
// eslint-disable-next-line import/no-extraneous-dependencies
import { DeleteParameterCommand, GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';

/** Input of the recorder (the EventBridge target's input). */
export interface RecordImageEvent {
  readonly RecordImage: {
    readonly ParameterName: string;
    readonly ClusterArn: string;
    readonly ServiceArn: string;
    /** Container name -> bootstrap image. */
    readonly Defaults: { [container: string]: string };
  };
}

/** The subset of a CloudFormation custom resource request the handler reads. */
export interface CustomResourceEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: {
    readonly ParameterName: string;
    /** JSON: container name -> bootstrap image. */
    readonly Defaults: string;
  };
}

/** The stored record. */
export interface ImageRecordValue {
  readonly images: { [container: string]: string };
}

let ecsClient: ECSClient | undefined;
let ssmClient: SSMClient | undefined;
const ecs = (): ECSClient => (ecsClient ??= new ECSClient({}));
const ssm = (): SSMClient => (ssmClient ??= new SSMClient({}));

export async function handler(event: RecordImageEvent | CustomResourceEvent): Promise<ImageRecordValue | void> {
  if ('RecordImage' in event) {
    return recordImages(event.RecordImage);
  }
  return respondToCloudFormation(event);
}

/** Stores the images the service runs after a completed deployment. */
export async function recordImages(input: RecordImageEvent['RecordImage']): Promise<ImageRecordValue> {
  const services = await ecs().send(new DescribeServicesCommand({ cluster: input.ClusterArn, services: [input.ServiceArn] }));
  const taskDefinitionArn = services.services?.[0]?.taskDefinition;
  if (!taskDefinitionArn) {
    throw new Error(`service ${input.ServiceArn} not found in ${input.ClusterArn}`);
  }
  const described = await ecs().send(new DescribeTaskDefinitionCommand({ taskDefinition: taskDefinitionArn }));
  const images: { [container: string]: string } = {};
  for (const container of described.taskDefinition?.containerDefinitions ?? []) {
    const name = container.name ?? '';
    if (name in input.Defaults && container.image && container.image !== input.Defaults[name]) {
      images[name] = container.image;
    }
  }
  const value: ImageRecordValue = { images };
  if (Object.keys(images).length === 0) {
    console.log(JSON.stringify({ service: input.ServiceArn, taskDefinitionArn, recorded: false, reason: 'bootstrap images only' }));
    return value;
  }
  await ssm().send(new PutParameterCommand({
    Name: input.ParameterName,
    Value: JSON.stringify(value),
    Type: 'String',
    Overwrite: true,
    Description: 'Images the ECS service last deployed (cdk-ecs-cicd-pipeline drift guard)',
  }));
  console.log(JSON.stringify({ service: input.ServiceArn, taskDefinitionArn, recorded: true, images }));
  return value;
}

/** The record, or undefined when the pipeline has not deployed yet. */
export async function readRecord(parameterName: string): Promise<ImageRecordValue | undefined> {
  try {
    const out = await ssm().send(new GetParameterCommand({ Name: parameterName }));
    const parsed = JSON.parse(out.Parameter?.Value ?? '{}');
    return parsed && typeof parsed.images === 'object' ? parsed as ImageRecordValue : undefined;
  } catch (err) {
    if ((err as { name?: string }).name === 'ParameterNotFound') { return undefined; }
    throw err;
  }
}

/** `Image.<container>`: the recorded image, or the bootstrap image. */
export function imageAttributes(defaults: { [container: string]: string }, record?: ImageRecordValue): { [key: string]: string } {
  const data: { [key: string]: string } = {};
  for (const [container, bootstrap] of Object.entries(defaults)) {
    data[`Image.${container}`] = record?.images[container] ?? bootstrap;
  }
  data.Recorded = record && Object.keys(record.images).length > 0 ? 'true' : 'false';
  return data;
}

async function respondToCloudFormation(event: CustomResourceEvent): Promise<void> {
  const parameterName = event.ResourceProperties.ParameterName;
  try {
    let data: { [key: string]: string } = {};
    if (event.RequestType === 'Delete') {
      await deleteRecord(parameterName);
    } else {
      data = imageAttributes(JSON.parse(event.ResourceProperties.Defaults), await readRecord(parameterName));
    }
    console.log(JSON.stringify({ requestType: event.RequestType, parameterName, data }));
    await send(event, 'SUCCESS', parameterName, data);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    console.log(JSON.stringify({ requestType: event.RequestType, parameterName, error: reason }));
    await send(event, 'FAILED', event.PhysicalResourceId ?? parameterName, {}, reason);
  }
}

async function deleteRecord(parameterName: string): Promise<void> {
  try {
    await ssm().send(new DeleteParameterCommand({ Name: parameterName }));
  } catch (err) {
    if ((err as { name?: string }).name !== 'ParameterNotFound') { throw err; }
  }
}

/** The custom resource response (PUT to the pre-signed ResponseURL). */
function send(event: CustomResourceEvent, status: 'SUCCESS' | 'FAILED', physicalResourceId: string,
  data: { [key: string]: string }, reason?: string): Promise<void> {
  const body = JSON.stringify({
    Status: status,
    Reason: reason ?? 'See the function\'s log',
    PhysicalResourceId: physicalResourceId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    Data: data,
  });
  const url = new URL(event.ResponseURL);
  // http only for local tests; CloudFormation's response URLs are https.
  const request = (url.protocol === 'http:' ? http.request : https.request);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) } }, response => {
      response.resume();
      response.on('end', () => resolve());
    });
    req.on('error', reject);
    req.end(body);
  });
}
