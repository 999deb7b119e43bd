"""Who may write: API tokens now (roles per vocabulary); user accounts and sessions come with the editing pages."""
