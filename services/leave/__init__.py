"""Officers' leave: set, shown and ended in chat or on the dashboard, checked, logged as
staff events and told to the officer, whoever covers and the lurah."""
