"""What supervisors and the city read: the monthly report (and its CSV), the daily
digest and its figures, the month close, `report verify`, the dashboard's figures."""
