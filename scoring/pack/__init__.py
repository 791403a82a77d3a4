"""The business review pack: one account plan with the account's figures, as a PDF and as a
PowerPoint deck, for an internal or a customer-facing audience (`content` reads, `pdf` and
`slides` draw, `views` serves, `exports` zips every key account's pack)."""
