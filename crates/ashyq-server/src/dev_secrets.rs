//! Well-known secrets used in `--dev` when the real ones are not configured. Public on
//! purpose: the browser emulator signs its fake host proofs with them.

pub const AITU_API_KEY: &str = "ashyq-dev-aitu-api-key";
pub const TELEGRAM_BOT_TOKEN: &str = "123456789:ashyq-dev-telegram-bot-token";
pub const VK_APP_SECRET: &str = "ashyq-dev-vk-app-secret";
pub const VK_APP_ID: i64 = 51_000_000;
pub const ADMIN_API_KEY: &str = "ashyq-dev-admin-key";
/// Seals the dev server's signing keys in its database (hex of "ashyq dev key-encryption key!!!").
pub const KEY_ENCRYPTION_KEY: &str =
    "617368797120646576206b65792d656e6372797074696f6e206b657921212121";
