import * as codecommit from 'aws-cdk-lib/aws-codecommit';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { validatePattern } from '../private/validation';

/** A Git repository reached through an AWS CodeConnections (formerly CodeStar Connections) connection. */
export interface ConnectionSourceOptions {
  /** Owner (user, organisation or workspace) of the repository, e.g. 'acme'. */
  readonly owner: string;
  /** Name of the repository, e.g. 'shop'. */
  readonly repo: string;
  /**
   * Branch that is built and deployed.
   * @default 'main'
   */
  readonly branch?: string;
  /** ARN of an AVAILABLE connection to GitHub, GitHub Enterprise, GitLab or Bitbucket. */
  readonly connectionArn: string;
}

/** An existing AWS CodeCommit repository. */
export interface CodeCommitSourceOptions {
  /** The repository. */
  readonly repository: codecommit.IRepository;
  /**
   * Branch that is built and deployed.
   * @default 'main'
   */
  readonly branch?: string;
}

/** A zip archive of the source in an S3 bucket. */
export interface S3SourceOptions {
  /** The bucket; it must be versioned. */
  readonly bucket: s3.IBucket;
  /** Key of the zip archive, e.g. 'shop/source.zip'. */
  readonly key: string;
  /**
   * How a new object version starts the pipeline. `S3Trigger.EVENTS` needs an AWS CloudTrail
   * trail that records the bucket's data events.
   * @default actions.S3Trigger.EVENTS
   */
  readonly trigger?: actions.S3Trigger;
}

/** What a source contributes to the pipeline once bound. */
export interface PipelineSourceConfig {
  /** The source action of the Source stage. */
  readonly action: codepipeline.IAction;
  /**
   * The revision of the source (commit id, or the S3 object's ETag) as a pipeline variable; the
   * image tag is derived from it.
   */
  readonly revisionVariable: string;
  /**
   * Pipeline V2 trigger that starts the pipeline on a push to the branch.
   * @default - the action triggers the pipeline itself
   */
  readonly trigger?: codepipeline.TriggerProps;
}

/**
 * Where the pipeline takes the application's source from.
 */
export abstract class PipelineSource {
  /**
   * GitHub, GitHub Enterprise, GitLab or Bitbucket through a CodeConnections connection. The
   * pipeline starts on each push to `branch` (a pipeline V2 trigger with a branch filter).
   */
  public static connection(options: ConnectionSourceOptions): PipelineSource {
    return new ConnectionSource(options);
  }

  /** An existing CodeCommit repository; the pipeline starts on each push to `branch` (EventBridge). */
  public static codeCommit(options: CodeCommitSourceOptions): PipelineSource {
    return new CodeCommitSource(options);
  }

  /** A zip archive in a versioned S3 bucket; the pipeline starts on each new version of `key`. */
  public static s3(options: S3SourceOptions): PipelineSource {
    return new S3Source(options);
  }

  /** Human-readable description, e.g. 'acme/shop@main'. */
  public abstract readonly description: string;

  /** Creates the source action writing to `output`. */
  public abstract bind(scope: Construct, output: codepipeline.Artifact): PipelineSourceConfig;
}

const BRANCH_PATTERN = /^(?!\/)(?!.*\/\/)(?!.*\.\.)[^\s~^:?*[\\]{1,255}$/;
const BRANCH_ALLOWED = 'must be a Git branch name (no spaces, no ~ ^ : ? * [ \\, no "..")';

class ConnectionSource extends PipelineSource {
  public readonly description: string;
  private readonly branch: string;
  constructor(private readonly options: ConnectionSourceOptions) {
    super();
    this.branch = options.branch ?? 'main';
    validatePattern('source.owner', options.owner, /^[A-Za-z0-9_.-]{1,100}$/, 'must be a repository owner: letters, digits, - _ .');
    validatePattern('source.repo', options.repo, /^[A-Za-z0-9_.\/-]{1,200}$/, 'must be a repository name: letters, digits, - _ . /');
    validatePattern('source.branch', this.branch, BRANCH_PATTERN, BRANCH_ALLOWED);
    validatePattern('source.connectionArn', options.connectionArn,
      /^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}:connection\/[A-Za-z0-9-]+$/,
      'must be the ARN of a CodeConnections connection, e.g. arn:aws:codeconnections:eu-west-1:123456789012:connection/abcd-...');
    this.description = `${options.owner}/${options.repo}@${this.branch}`;
  }
  public bind(_scope: Construct, output: codepipeline.Artifact): PipelineSourceConfig {
    const action = new actions.CodeStarConnectionsSourceAction({
      actionName: 'Source',
      owner: this.options.owner,
      repo: this.options.repo,
      branch: this.branch,
      connectionArn: this.options.connectionArn,
      output,
      // The pipeline V2 trigger below starts the pipeline, with a branch filter.
      triggerOnPush: false,
    });
    return {
      action,
      revisionVariable: action.variables.commitId,
      trigger: {
        providerType: codepipeline.ProviderType.CODE_STAR_SOURCE_CONNECTION,
        gitConfiguration: { sourceAction: action, pushFilter: [{ branchesIncludes: [this.branch] }] },
      },
    };
  }
}

class CodeCommitSource extends PipelineSource {
  public readonly description: string;
  private readonly branch: string;
  constructor(private readonly options: CodeCommitSourceOptions) {
    super();
    this.branch = options.branch ?? 'main';
    validatePattern('source.branch', this.branch, BRANCH_PATTERN, BRANCH_ALLOWED);
    this.description = `codecommit:${options.repository.node.id}@${this.branch}`;
  }
  public bind(_scope: Construct, output: codepipeline.Artifact): PipelineSourceConfig {
    const action = new actions.CodeCommitSourceAction({
      actionName: 'Source',
      repository: this.options.repository,
      branch: this.branch,
      output,
      trigger: actions.CodeCommitTrigger.EVENTS,
    });
    return { action, revisionVariable: action.variables.commitId };
  }
}

class S3Source extends PipelineSource {
  public readonly description: string;
  constructor(private readonly options: S3SourceOptions) {
    super();
    validatePattern('source.key', options.key, /^[^\s].{0,1023}$/, 'must be a non-empty S3 object key that does not start with whitespace');
    this.description = `s3:${options.key}`;
  }
  public bind(_scope: Construct, output: codepipeline.Artifact): PipelineSourceConfig {
    const action = new actions.S3SourceAction({
      actionName: 'Source',
      bucket: this.options.bucket,
      bucketKey: this.options.key,
      output,
      trigger: this.options.trigger ?? actions.S3Trigger.EVENTS,
    });
    return { action, revisionVariable: action.variables.eTag };
  }
}
