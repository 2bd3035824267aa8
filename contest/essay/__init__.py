"""Essay contests: the participant's pages (essay), the judges' (judge) and the organiser's
(essay_admin)."""
