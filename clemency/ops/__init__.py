"""Operations on a running lake: doctor, replay, retention, explain."""
