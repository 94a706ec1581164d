"""The skills taxonomy: what courses teach, certificates prove and vacancies require."""
