// The canonical Project model: what the normalise phase produces and what `berth config` prints as is.
//
// Decisions (read before adding a field):
// - Property names are the compose YAML keys (snake_case). Objects are BUILT in the order docker
//   compose's `config` prints them (compose-go's struct field order); the `*_KEY_ORDER` lists below
//   are that order, and normalise builds every object by walking them. Keys that are unset are
//   ABSENT (compose's `omitempty`): never `undefined`, never `false` for plain booleans compose omits.
// - `x-*` extension keys stay inline, at the place they were written (compose prints them inline),
//   typed by the `Extensions` template-literal index signature. Nothing else starts with `x-`.
// - Durations are held as compose prints them: Go duration text (`1m30s`, `500ms`, `0s`). The
//   runtime converts with `parseDuration(text)` (milliseconds, src/spec/syntax/). Strings, so the
//   printer needs no per-field knowledge and the output matches compose's.
// - Byte sizes (`mem_limit`, `shm_size`, `tmpfs.size`, ...) are held as numbers of bytes. Compose
//   prints them as decimal digit strings ("536870912"); reparsing either gives the same value.
// - File modes of secrets/configs are held as compose prints them: an octal string (`"0444"`).
// - `command`/`entrypoint` are argv lists (compose-go splits a string with shell-words); `null`
//   would mean "unset" and is never stored — the key is absent instead. `[]` clears the image's.
// - `env_file`/`label_file` are read and merged into `environment`/`labels` by normalise and then
//   dropped, as `docker compose config` does (it loads with WithDiscardEnvFile).
// - Records (maps) are built with their keys sorted as compose's YAML encoder sorts Go maps
//   (`compareMapKeys` in normalize/records.ts).
// - The project directory is NOT printed by compose; it lives under the `projectMeta` symbol, which
//   JSON.stringify and yaml.stringify skip.

/** `x-*` keys kept as written. */
export interface Extensions {
  [key: `x-${string}`]: unknown;
}

/** Go duration text as compose prints it, e.g. `1m30s`. */
export type DurationText = string;
/** A size in bytes. */
export type ByteSize = number;

export const projectMeta: unique symbol = Symbol('berth.projectMeta');

/** What the project knows but compose does not print. */
export interface ProjectMeta {
  /** Absolute project directory: relative paths in the file were resolved against it. */
  workingDir: string;
}

export interface Project extends Extensions {
  name: string;
  services: Record<string, ServiceConfig>;
  networks: Record<string, NetworkConfig>;
  volumes: Record<string, VolumeConfig>;
  secrets: Record<string, SecretObject>;
  configs: Record<string, ConfigObject>;
  models?: Record<string, ModelConfig>;
  [projectMeta]: ProjectMeta;
}

export const PROJECT_KEY_ORDER = [
  'name', 'services', 'networks', 'volumes', 'secrets', 'configs', 'models',
] as const;

export interface ServiceConfig extends Extensions {
  profiles?: string[];
  annotations?: Record<string, string>;
  attach?: boolean;
  build?: BuildConfig;
  develop?: DevelopConfig;
  blkio_config?: BlkioConfig;
  cap_add?: string[];
  cap_drop?: string[];
  cgroup_parent?: string;
  cgroup?: string;
  cpu_count?: number;
  cpu_percent?: number;
  cpu_period?: number;
  cpu_quota?: number;
  cpu_rt_period?: number;
  cpu_rt_runtime?: number;
  cpus?: number;
  cpuset?: string;
  cpu_shares?: number;
  command?: string[];
  configs?: ServiceFileReference[];
  container_name?: string;
  credential_spec?: CredentialSpecConfig;
  depends_on?: Record<string, ServiceDependency>;
  deploy?: DeployConfig;
  device_cgroup_rules?: string[];
  devices?: DeviceMapping[];
  dns?: string[];
  dns_opt?: string[];
  dns_search?: string[];
  domainname?: string;
  entrypoint?: string[];
  provider?: ProviderConfig;
  /** `null` is a variable named without a value and not found in the environment. */
  environment?: Record<string, string | null>;
  expose?: string[];
  external_links?: string[];
  /** `host=ip` items sorted, as compose prints them (one item per address). */
  extra_hosts?: string[];
  group_add?: string[];
  gpus?: DeviceRequest[];
  hostname?: string;
  healthcheck?: HealthCheckConfig;
  image?: string;
  init?: boolean;
  ipc?: string;
  isolation?: string;
  labels?: Record<string, string>;
  links?: string[];
  logging?: LoggingConfig;
  mem_limit?: ByteSize;
  mem_reservation?: ByteSize;
  memswap_limit?: ByteSize;
  mem_swappiness?: number;
  mac_address?: string;
  models?: Record<string, ServiceModelConfig | null>;
  network_mode?: string;
  networks?: Record<string, ServiceNetworkConfig | null>;
  oom_kill_disable?: boolean;
  oom_score_adj?: number;
  pid?: string;
  pids_limit?: number;
  platform?: string;
  ports?: ServicePortConfig[];
  privileged?: boolean;
  pull_policy?: string;
  read_only?: boolean;
  restart?: string;
  runtime?: string;
  scale?: number;
  secrets?: ServiceFileReference[];
  security_opt?: string[];
  shm_size?: ByteSize;
  stdin_open?: boolean;
  stop_grace_period?: DurationText;
  stop_signal?: string;
  storage_opt?: Record<string, string>;
  sysctls?: Record<string, string>;
  tmpfs?: string[];
  tty?: boolean;
  ulimits?: Record<string, UlimitConfig>;
  use_api_socket?: boolean;
  user?: string;
  userns_mode?: string;
  uts?: string;
  volume_driver?: string;
  volumes?: ServiceVolumeConfig[];
  volumes_from?: string[];
  working_dir?: string;
  pre_start?: ServiceHook[];
  post_start?: ServiceHook[];
  pre_stop?: ServiceHook[];
}

/** compose-go's ServiceConfig field order, which `docker compose config` prints. */
export const SERVICE_KEY_ORDER = [
  'profiles', 'annotations', 'attach', 'build', 'develop', 'blkio_config', 'cap_add', 'cap_drop',
  'cgroup_parent', 'cgroup', 'cpu_count', 'cpu_percent', 'cpu_period', 'cpu_quota', 'cpu_rt_period',
  'cpu_rt_runtime', 'cpus', 'cpuset', 'cpu_shares', 'command', 'configs', 'container_name',
  'credential_spec', 'depends_on', 'deploy', 'device_cgroup_rules', 'devices', 'dns', 'dns_opt',
  'dns_search', 'domainname', 'entrypoint', 'provider', 'environment', 'expose', 'external_links',
  'extra_hosts', 'group_add', 'gpus', 'hostname', 'healthcheck', 'image', 'init', 'ipc', 'isolation',
  'labels', 'links', 'logging', 'mem_limit', 'mem_reservation', 'memswap_limit', 'mem_swappiness',
  'mac_address', 'models', 'network_mode', 'networks', 'oom_kill_disable', 'oom_score_adj', 'pid',
  'pids_limit', 'platform', 'ports', 'privileged', 'pull_policy', 'read_only', 'restart', 'runtime', 'scale',
  'secrets', 'security_opt', 'shm_size', 'stdin_open', 'stop_grace_period', 'stop_signal', 'storage_opt',
  'sysctls', 'tmpfs', 'tty', 'ulimits', 'use_api_socket', 'user', 'userns_mode', 'uts', 'volume_driver',
  'volumes', 'volumes_from', 'working_dir', 'pre_start', 'post_start', 'pre_stop',
] as const satisfies readonly (keyof ServiceConfig)[];

export interface ServicePortConfig extends Extensions {
  name?: string;
  /** `ingress` (compose's default) or `host`. */
  mode: string;
  host_ip?: string;
  target: number;
  /** A port or a range (`8080-8081`); absent means "any free port". */
  published?: string;
  /** `tcp` (default), `udp` or `sctp`. */
  protocol: string;
  app_protocol?: string;
}

export interface ServiceVolumeConfig extends Extensions {
  /** `bind`, `volume`, `tmpfs`, `npipe`, `cluster` or `image`. */
  type: string;
  source?: string;
  target: string;
  read_only?: boolean;
  consistency?: string;
  bind?: ServiceVolumeBind;
  volume?: ServiceVolumeVolume;
  tmpfs?: ServiceVolumeTmpfs;
  image?: { subpath?: string };
}

export interface ServiceVolumeBind extends Extensions {
  selinux?: string;
  propagation?: string;
  /**
   * Held as compose prints it: present only when `false` (normalise drops `true`). When `bind` is present and this is absent
   * the host path IS created (compose's default true; short syntax `./a:/b` gives `bind: {}`).
   */
  create_host_path?: boolean;
  recursive?: string;
}

export interface ServiceVolumeVolume extends Extensions {
  labels?: Record<string, string>;
  nocopy?: boolean;
  subpath?: string;
}

export interface ServiceVolumeTmpfs extends Extensions {
  size?: ByteSize;
  mode?: number;
}

export interface ServiceDependency extends Extensions {
  condition: string;
  restart?: boolean;
  required: boolean;
}

export interface ServiceNetworkConfig extends Extensions {
  aliases?: string[];
  driver_opts?: Record<string, string>;
  gw_priority?: number;
  interface_name?: string;
  ipv4_address?: string;
  ipv6_address?: string;
  link_local_ips?: string[];
  mac_address?: string;
  priority?: number;
}

/** A service's `secrets:`/`configs:` item in long form (secrets default target `/run/secrets/<source>`). */
export interface ServiceFileReference extends Extensions {
  source: string;
  target?: string;
  uid?: string;
  gid?: string;
  /** Octal text as compose prints it, e.g. `"0444"`. */
  mode?: string;
}

export interface UlimitConfig extends Extensions {
  soft: number;
  hard: number;
}

export interface DeviceMapping extends Extensions {
  source: string;
  target?: string;
  permissions?: string;
}

export interface DeviceRequest {
  capabilities?: string[];
  driver?: string;
  /** -1 means `all`. */
  count?: number;
  device_ids?: string[];
  options?: Record<string, string>;
}

export interface HealthCheckConfig extends Extensions {
  /** `['NONE']`, `['CMD', ...]` or `['CMD-SHELL', script]`; a string test becomes CMD-SHELL. */
  test?: string[];
  timeout?: DurationText;
  interval?: DurationText;
  retries?: number;
  start_period?: DurationText;
  start_interval?: DurationText;
  disable?: boolean;
}

export interface LoggingConfig extends Extensions {
  driver?: string;
  options?: Record<string, string>;
}

export interface BuildConfig extends Extensions {
  context?: string;
  dockerfile?: string;
  dockerfile_inline?: string;
  entitlements?: string[];
  args?: Record<string, string | null>;
  provenance?: string;
  sbom?: string;
  /** `id` or `id=path` items, as compose prints them. */
  ssh?: string[];
  labels?: Record<string, string>;
  cache_from?: string[];
  cache_to?: string[];
  no_cache?: boolean;
  no_cache_filter?: string[];
  additional_contexts?: Record<string, string>;
  pull?: boolean;
  extra_hosts?: string[];
  isolation?: string;
  network?: string;
  target?: string;
  secrets?: ServiceFileReference[];
  shm_size?: ByteSize;
  tags?: string[];
  ulimits?: Record<string, UlimitConfig>;
  platforms?: string[];
  privileged?: boolean;
}

export const BUILD_KEY_ORDER = [
  'context', 'dockerfile', 'dockerfile_inline', 'entitlements', 'args', 'provenance', 'sbom', 'ssh',
  'labels', 'cache_from', 'cache_to', 'no_cache', 'no_cache_filter', 'additional_contexts', 'pull',
  'extra_hosts', 'isolation', 'network', 'target', 'secrets', 'shm_size', 'tags', 'ulimits', 'platforms',
  'privileged',
] as const satisfies readonly (keyof BuildConfig)[];

export interface DeployConfig extends Extensions {
  mode?: string;
  replicas?: number;
  labels?: Record<string, string>;
  update_config?: UpdateConfig;
  rollback_config?: UpdateConfig;
  resources?: DeployResources;
  restart_policy?: DeployRestartPolicy;
  placement?: DeployPlacement;
  endpoint_mode?: string;
}

export const DEPLOY_KEY_ORDER = [
  'mode', 'replicas', 'labels', 'update_config', 'rollback_config', 'resources', 'restart_policy',
  'placement', 'endpoint_mode',
] as const satisfies readonly (keyof DeployConfig)[];

export interface UpdateConfig extends Extensions {
  parallelism?: number;
  delay?: DurationText;
  failure_action?: string;
  monitor?: DurationText;
  max_failure_ratio?: number;
  order?: string;
}

export interface DeployResources extends Extensions {
  limits?: DeployResource;
  reservations?: DeployResource;
}

export interface DeployResource extends Extensions {
  cpus?: number;
  memory?: ByteSize;
  pids?: number;
  devices?: DeviceRequest[];
  generic_resources?: { discrete_resource_spec?: { kind: string; value: number } }[];
}

export interface DeployRestartPolicy extends Extensions {
  condition?: string;
  delay?: DurationText;
  max_attempts?: number;
  window?: DurationText;
}

export interface DeployPlacement extends Extensions {
  constraints?: string[];
  preferences?: { spread?: string }[];
  max_replicas_per_node?: number;
}

export interface BlkioConfig extends Extensions {
  weight?: number;
  weight_device?: { path: string; weight: number }[];
  device_read_bps?: { path: string; rate: ByteSize }[];
  device_read_iops?: { path: string; rate: number }[];
  device_write_bps?: { path: string; rate: ByteSize }[];
  device_write_iops?: { path: string; rate: number }[];
}

export interface CredentialSpecConfig extends Extensions {
  config?: string;
  file?: string;
  registry?: string;
}

export interface ProviderConfig extends Extensions {
  type?: string;
  options?: Record<string, string[]>;
}

export interface ServiceHook extends Extensions {
  command?: string[];
  image?: string;
  user?: string;
  privileged?: boolean;
  working_dir?: string;
  environment?: Record<string, string | null>;
  per_replica?: boolean;
}

export interface DevelopConfig extends Extensions {
  watch?: DevelopWatch[];
}

export interface DevelopWatch extends Extensions {
  path: string;
  action: string;
  target?: string;
  exec?: ServiceHook;
  include?: string[];
  ignore?: string[];
  initial_sync?: boolean;
}

export interface ServiceModelConfig extends Extensions {
  endpoint_var?: string;
  model_var?: string;
}

export interface NetworkConfig extends Extensions {
  name?: string;
  driver?: string;
  driver_opts?: Record<string, string>;
  ipam?: IpamConfig;
  external?: boolean;
  internal?: boolean;
  attachable?: boolean;
  labels?: Record<string, string>;
  enable_ipv4?: boolean;
  enable_ipv6?: boolean;
}

export const NETWORK_KEY_ORDER = [
  'name', 'driver', 'driver_opts', 'ipam', 'external', 'internal', 'attachable', 'labels', 'enable_ipv4',
  'enable_ipv6',
] as const satisfies readonly (keyof NetworkConfig)[];

export interface IpamConfig extends Extensions {
  driver?: string;
  config?: IpamPool[];
  options?: Record<string, string>;
}

export interface IpamPool extends Extensions {
  subnet?: string;
  gateway?: string;
  ip_range?: string;
  aux_addresses?: Record<string, string>;
}

export interface VolumeConfig extends Extensions {
  name?: string;
  driver?: string;
  driver_opts?: Record<string, string>;
  external?: boolean;
  labels?: Record<string, string>;
}

export const VOLUME_KEY_ORDER = [
  'name', 'driver', 'driver_opts', 'external', 'labels',
] as const satisfies readonly (keyof VolumeConfig)[];

/** A top-level `secrets:`/`configs:` entry. Secret `content` is never printed (compose hides it). */
export interface FileObjectConfig extends Extensions {
  name?: string;
  file?: string;
  environment?: string;
  content?: string;
  external?: boolean;
  labels?: Record<string, string>;
  driver?: string;
  driver_opts?: Record<string, string>;
  template_driver?: string;
}

export type SecretObject = FileObjectConfig;
export type ConfigObject = FileObjectConfig;

export const FILE_OBJECT_KEY_ORDER = [
  'name', 'file', 'environment', 'content', 'external', 'labels', 'driver', 'driver_opts', 'template_driver',
] as const satisfies readonly (keyof FileObjectConfig)[];

export interface ModelConfig extends Extensions {
  name?: string;
  model?: string;
  context_size?: number;
  runtime_flags?: string[];
}
