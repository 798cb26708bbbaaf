"""Who someone is: WhatsApp numbers, NIK and KK numbers, staff and citizen look-up,
routing a ticket to an RW's officer, and supervisors' scope. Plain functions over the models."""
