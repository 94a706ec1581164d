"""The academy administrators' pages: accounts and partner companies."""
