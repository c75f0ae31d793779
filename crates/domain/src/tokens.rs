/// What a token is for. A token minted for one purpose is refused for another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Invite,
    VerifyEmail,
    ResetPassword,
    /// Lifts a sign-in lock (see `services::lockout`).
    Unlock,
}

impl Purpose {
    /// The message type of the e-mail that carries a token of this purpose.
    pub fn message_type(self) -> &'static str {
        match self {
            Self::Invite => "account.invitation",
            Self::VerifyEmail => "account.email_verification",
            Self::ResetPassword => "account.password_reset",
            Self::Unlock => "account.unlock",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invite => "invite",
            Self::VerifyEmail => "verify_email",
            Self::ResetPassword => "reset_password",
            Self::Unlock => "unlock",
        }
    }

    /// Whether a newer token ends the older ones. Invitations and verifications stay: each
    /// still proves the same thing; a reset or unlock link left lying in an old e-mail is a
    /// way in that its owner has forgotten.
    pub fn one_live(self) -> bool {
        matches!(self, Self::ResetPassword | Self::Unlock)
    }
}
