"""Pure helpers (no Django imports): phone-number forms, money, Exotel's dates."""
