//! The types the state machine shares with its edges: what a host proves ([`Proof`]), how a
//! request or a host call fails ([`ApiError`], [`HostError`]), which host this is
//! ([`HostKind`], one transport enum per host) and the haptics the app asks for. They sit
//! below both [`crate::app`] and the adapters ([`crate::api`], [`crate::host`]), so the
//! state machine depends on types only and no adapter imports another.

use ashyq_core::CodeError;

/// The identity proof of `POST /v1/session` as the app carries it: the wire form of
/// `ashyq_core::api::HostProof`, except that Aitu's bridge results are held as the text
/// `JSON.stringify` wrote for them and are put back into the body as they are. The server
/// still reads them as `serde_json::Value`s; the wasm never builds one (serde_json's
/// `Value`, `Map` and printer were 6.5 KB of it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proof {
    /// `JSON.stringify` of the results of `invoke('GetMe')` and `invoke('GetPhone')`.
    Aitu {
        me: String,
        phone: String,
    },
    Telegram {
        init_data: String,
    },
    Vk {
        launch_params: String,
    },
    Dev {
        iin: String,
    },
}

/// Why a backend request failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    #[error("the backend did not answer in time")]
    Timeout,
    #[error("the backend cannot be reached: {0}")]
    Network(String),
    #[error("the backend failed ({status}): {code}")]
    Server { status: u16, code: String },
    #[error("the backend's answer could not be read")]
    Decode,
    #[error("the session is missing or expired")]
    Unauthorized,
    #[error("the code was rejected: {0}")]
    Rejected(CodeError),
    #[error("the request was refused ({status}): {code}")]
    Refused { status: u16, code: String },
}

impl ApiError {
    /// True when the honest answer is "status unavailable": the backend is down, slow or
    /// broken, as opposed to having said no.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            ApiError::Timeout | ApiError::Network(_) | ApiError::Server { .. } | ApiError::Decode
        )
    }
    /// A stable code for screens (`data-code`, `data-reason`) and tests.
    pub fn code(&self) -> &str {
        match self {
            ApiError::Timeout => "timeout",
            ApiError::Network(_) => "network",
            ApiError::Server { code, .. } | ApiError::Refused { code, .. } => code,
            ApiError::Decode => "bad_response",
            ApiError::Unauthorized => "unauthorized",
            ApiError::Rejected(e) => e.code(),
        }
    }
}

/// Why a host call failed. [`HostError::code`] is the `data-code` of the error screen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostError {
    #[error("the host did not answer in time")]
    Timeout,
    #[error("the user closed the scanner")]
    Cancelled,
    #[error("camera permission denied")]
    PermissionDenied,
    #[error("this host cannot scan QR codes")]
    Unsupported,
    #[error("no camera found")]
    NoCamera,
    #[error("the camera is used by another app")]
    CameraInUse,
    #[error("the bridge call threw: {0}")]
    Bridge(String),
    #[error("the host answered with an error: {0}")]
    Host(String),
}

impl HostError {
    pub fn code(&self) -> &'static str {
        match self {
            HostError::Timeout => "host_timeout",
            HostError::Cancelled => "scan_cancelled",
            HostError::PermissionDenied => "permission_denied",
            HostError::Unsupported => "scan_unsupported",
            HostError::NoCamera => "no_camera",
            HostError::CameraInUse => "camera_in_use",
            HostError::Bridge(_) => "host_bridge_error",
            HostError::Host(_) => "host_error",
        }
    }

    /// The error a [`HostError::code`] names (as the camera scanner's module rejects);
    /// text that is no code is the host's own words.
    pub fn from_code(code: &str) -> HostError {
        match code {
            "host_timeout" => HostError::Timeout,
            "scan_cancelled" => HostError::Cancelled,
            "permission_denied" => HostError::PermissionDenied,
            "scan_unsupported" => HostError::Unsupported,
            "no_camera" => HostError::NoCamera,
            "camera_in_use" => HostError::CameraInUse,
            other => HostError::Host(other.to_owned()),
        }
    }
}

/// What the error screen explains: a host call or a request that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    Host(HostError),
    Api(ApiError),
}

impl Failure {
    /// The stable code the screen shows (`data-code`) and words its message by.
    pub fn code(&self) -> &str {
        match self {
            Failure::Host(e) => e.code(),
            Failure::Api(e) => e.code(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostKind {
    Aitu(AituTransport),
    Telegram(TelegramTransport),
    Vk(VkTransport),
    Browser,
    Fake,
}

impl HostKind {
    pub fn name(self) -> &'static str {
        match self {
            HostKind::Aitu(_) => "aitu",
            HostKind::Telegram(_) => "telegram",
            HostKind::Vk(_) => "vk",
            HostKind::Browser => "browser",
            HostKind::Fake => "fake",
        }
    }
    /// Whether the host can open its own settings for this app (Aitu's `openSettings`):
    /// where it can, a denied camera permission offers a button there.
    pub fn has_settings(self) -> bool {
        matches!(self, HostKind::Aitu(_) | HostKind::Fake)
    }
}

/// How the Aitu bridge reaches the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AituTransport {
    /// `window.AndroidBridge`.
    Android,
    /// `window.webkit.messageHandlers`.
    Ios,
    /// `window.top.postMessage` to the Aitu origin.
    Web,
}

/// How Telegram is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TelegramTransport {
    /// `window.TelegramWebviewProxy` (its iOS, Android and macOS clients alike).
    Native,
    /// `window.parent.postMessage` (Telegram Web).
    Web,
}

/// How the VK bridge reaches the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VkTransport {
    /// `window.AndroidBridge`.
    Android,
    /// `window.webkit.messageHandlers`.
    Ios,
    /// `window.parent.postMessage`.
    Web,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Haptic {
    Success,
    Warning,
    Error,
    Tap,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_are_stable() {
        assert_eq!(HostError::Timeout.code(), "host_timeout");
        assert_eq!(HostError::Cancelled.code(), "scan_cancelled");
        assert_eq!(HostError::PermissionDenied.code(), "permission_denied");
        // The camera scanner's module rejects with these codes: each comes back as itself.
        for e in [
            HostError::Timeout,
            HostError::Cancelled,
            HostError::PermissionDenied,
            HostError::Unsupported,
            HostError::NoCamera,
            HostError::CameraInUse,
        ] {
            assert_eq!(HostError::from_code(e.code()), e);
        }
        assert_eq!(
            HostError::from_code("Could not start video source"),
            HostError::Host(String::from("Could not start video source"))
        );
        assert_eq!(
            Failure::Api(ApiError::Rejected(CodeError::Expired)).code(),
            CodeError::Expired.code()
        );
    }
}
