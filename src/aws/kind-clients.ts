import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import type { EnvironmentKind } from "../core/environment.js";
import { createAwsClients, type AwsClients, type AwsSettings } from "./clients.js";

/** The roles the App acts on each environment kind with (templates/branchline-iam.yml's App*RoleArn outputs). */
export type KindRoleArns = Readonly<Record<EnvironmentKind, string>>;

/** The clients branchline changes one kind's stacks and pipelines with. */
export type KindClients = (kind: EnvironmentKind) => AwsClients;

type Provider = ReturnType<typeof fromTemporaryCredentials>;
type Identity = Awaited<ReturnType<Provider>>;

/** Credentials are asked for again this long before they expire, so no call signs with a dying session. */
const REFRESH_BEFORE_MS = 5 * 60_000;

/**
 * Per-kind clients. Without kind roles every kind gets the base clients (the sandbox, tests, an
 * account where the App's one role does everything). With them, each kind's clients sign with a
 * session of that kind's role, assumed from the base credentials through STS, so IAM, not only
 * code, keeps a branch's operations off staging's and production's pipelines and stacks.
 */
export function kindClients(settings: AwsSettings, base: AwsClients, roles: KindRoleArns | undefined): KindClients {
  if (!roles) return () => base;
  const made = new Map<EnvironmentKind, AwsClients>();
  return (kind) => {
    let clients = made.get(kind);
    if (!clients) {
      clients = createAwsClients({ ...settings, sessionCredentials: sharedSession(settings, roles[kind], kind) });
      made.set(kind, clients);
    }
    return clients;
  };
}

/**
 * One STS session per kind for all of its clients (each SDK client would otherwise assume the role
 * itself), renewed before it expires; a failed AssumeRole is not kept, so the next call asks again.
 */
function sharedSession(settings: AwsSettings, roleArn: string, kind: EnvironmentKind): () => Promise<Identity> {
  const assume = fromTemporaryCredentials({
    params: { RoleArn: roleArn, RoleSessionName: `branchline-${kind}`, DurationSeconds: 3600 },
    ...(settings.credentials ? { masterCredentials: settings.credentials } : {}),
    clientConfig: {
      region: settings.region,
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
      maxAttempts: settings.maxAttempts ?? 8,
    },
  });
  let current: Promise<Identity> | undefined;
  return async () => {
    const held = current ? await current.catch(() => undefined) : undefined;
    if (held && (held.expiration === undefined || held.expiration.getTime() - Date.now() > REFRESH_BEFORE_MS))
      return held;
    current = assume();
    return current;
  };
}
