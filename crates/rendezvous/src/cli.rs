//! The command line. `--help` on each command explains it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "rendezvous",
    version,
    about = "Rendezvous: self-hostable scheduling and booking",
    long_about = "Rendezvous: self-hostable scheduling and booking.\n\n\
        With no configuration, `rendezvous serve` stores everything in ./rendezvous.db \
        (SQLite) and listens on http://127.0.0.1:8080. Settings come from built-in defaults, \
        then the TOML file given with --config, then RENDEZVOUS_* environment variables \
        (RENDEZVOUS_LISTEN, RENDEZVOUS_DATABASE_URL, ...); see README.md for the list.",
    propagate_version = true
)]
pub struct Cli {
    /// TOML configuration file; settings in it override the defaults, environment variables
    /// override it.
    #[arg(long, global = true, env = "RENDEZVOUS_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Log format: `human` (coloured on a terminal) or `json` (one object per line).
    /// Overrides the `log_format` setting.
    #[arg(long, global = true, value_enum, value_name = "FORMAT")]
    pub log_format: Option<LogFormat>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Human,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (API, docs, health and metrics).
    ///
    /// Opens the database (creating and migrating ./rendezvous.db when nothing is
    /// configured), creates the secret key file if needed, and serves until SIGTERM or
    /// Ctrl-C, then finishes in-flight requests before exiting.
    Serve,

    /// Run background jobs (webhook deliveries, messages) without the HTTP server.
    ///
    /// `serve` runs them too unless `run_workers = false`; run several of these next to
    /// servers on one PostgreSQL to spread the work (they never run a job twice at once).
    /// Stops on SIGTERM or Ctrl-C after letting running jobs finish.
    Worker,

    /// Bring the database schema up to date, then exit.
    ///
    /// `serve` does this itself unless `auto_migrate = false`; run it explicitly when
    /// several servers share one PostgreSQL and migrations should happen once, before a
    /// rollout.
    Migrate,

    /// Operator tasks: organizations and API keys.
    #[command(subcommand)]
    Admin(AdminCommand),

    /// Compute bookable slots from a JSON document (see ENGINE.md), without a database.
    ///
    /// Reads the request from standard input, or from --input. On success prints the result
    /// document and exits 0; on invalid input prints one `error: PATH: REASON` line per
    /// problem on standard error and exits 2.
    Slots(SlotsArgs),

    /// Decide one booking request against one resource quota (see QUOTAS.md), without a
    /// database.
    ///
    /// Reads the document from standard input, or from --input, and prints
    /// `{"outcome": "allowed"}` or `{"outcome": "denied", "periods": [...]}` with every period
    /// over its limit. On invalid input prints one `error: PATH: REASON` line per problem on
    /// standard error, nothing on standard output, and exits 2.
    Quota(QuotaArgs),

    /// Print the time one iCalendar object blocks, as a calendar sync reads it.
    ///
    /// Reads FILE (one calendar resource; `-` for standard input) and prints a JSON array,
    /// sorted by start, of every occurrence that blocks time in [--from, --until):
    /// `[{"uid": "...", "start": "2026-03-10T09:00:00Z", "end": "2026-03-10T10:00:00Z"}]`
    /// (UTC, whole seconds; transparent and cancelled events left out; all-day and floating
    /// times read in --zone; overlapping periods not merged). Events that could only be read
    /// in part are still shown, with one `warning: UID: REASON` line each on standard error,
    /// and the exit status is 0; unusable arguments exit 2.
    Busy(BusyArgs),

    /// Rostering on one JSON document (see ROSTER.md), without a database.
    ///
    /// On invalid input prints one `error: PATH: REASON` line per problem on standard error,
    /// nothing on standard output, and exits 2.
    #[command(subcommand)]
    Roster(RosterCommand),
}

#[derive(Debug, Subcommand)]
pub enum RosterCommand {
    /// Assign participants to targets and print the solution with its score.
    ///
    /// Reads the instance from standard input, or from --input. Same input and seed, same
    /// output (when the search converges before --time-limit-ms). With --pinned, the
    /// assignments of that solution stay unless they became infeasible; how many were kept
    /// and dropped is written on standard error as `note: pinned: K kept, D dropped`.
    Solve(RosterSolveArgs),

    /// Print the score of a solution for an instance.
    Score(RosterScoreArgs),
}

#[derive(Debug, Args)]
pub struct RosterSolveArgs {
    /// Read the instance from FILE instead of standard input.
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Seed of the search's random choices.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub seed: u64,
    /// Stop searching after this many milliseconds at most.
    #[arg(long, default_value_t = 5_000, value_name = "N")]
    pub time_limit_ms: u64,
    /// A published solution whose assignments stay unless they became infeasible.
    #[arg(long, value_name = "FILE")]
    pub pinned: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RosterScoreArgs {
    /// The instance (`roster-instance/1`).
    #[arg(value_name = "INSTANCE_FILE")]
    pub instance: PathBuf,
    /// The solution (`roster-solution/1`); its `score` is ignored.
    #[arg(value_name = "SOLUTION_FILE")]
    pub solution: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an organization with its owner, and print the owner's first API key.
    ///
    /// The key is printed once, alone on standard output, and only its hash is stored:
    /// `KEY=$(rendezvous admin create-organization ...)`.
    CreateOrganization(CreateOrganizationArgs),

    /// Issue another API key in an organization and print it (once).
    CreateApiKey(CreateApiKeyArgs),

    /// Revoke an API key; requests using it get 401 from then on.
    RevokeApiKey(RevokeApiKeyArgs),

    /// List all organizations.
    ListOrganizations,
}

#[derive(Debug, Args)]
pub struct CreateOrganizationArgs {
    /// Display name, e.g. "Acme Clinic".
    #[arg(long)]
    pub name: String,
    /// Unique URL handle: lowercase letters, digits and inner hyphens, e.g. `acme`.
    #[arg(long)]
    pub slug: String,
    /// The owner's e-mail address.
    #[arg(long)]
    pub owner_email: String,
    /// The owner's name.
    #[arg(long)]
    pub owner_name: String,
    /// The owner's IANA time zone.
    #[arg(long, default_value = "UTC", value_name = "ZONE")]
    pub owner_time_zone: String,
}

#[derive(Debug, Args)]
pub struct CreateApiKeyArgs {
    /// The organization's slug.
    #[arg(long)]
    pub organization: String,
    /// The user the key acts as (default: the organization's owner).
    #[arg(long, value_name = "EMAIL")]
    pub user_email: Option<String>,
    /// A label to recognise the key by, e.g. `ci` or `zapier`.
    #[arg(long, default_value = "cli")]
    pub name: String,
}

#[derive(Debug, Args)]
pub struct RevokeApiKeyArgs {
    /// The organization's slug.
    #[arg(long)]
    pub organization: String,
    /// The key's id (shown by create-api-key on standard error).
    #[arg(long)]
    pub id: String,
}

#[derive(Debug, Args)]
pub struct SlotsArgs {
    /// Read the request from FILE instead of standard input.
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct QuotaArgs {
    /// Read the document from FILE instead of standard input.
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct BusyArgs {
    /// Start of the window: an RFC 3339 instant (`2026-03-01T00:00:00Z`), or a local
    /// date-time or date read in --zone.
    #[arg(long, value_name = "INSTANT")]
    pub from: String,
    /// End of the window (exclusive), in the same forms as --from.
    #[arg(long, value_name = "INSTANT")]
    pub until: String,
    /// The host's IANA time zone, for all-day events and floating times.
    #[arg(long, value_name = "IANA")]
    pub zone: String,
    /// The iCalendar file (`-` for standard input).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}
